/**
 * Redaction of a streamed response, frame by frame (1claw's `rolling` mode): the text deltas of each output
 * channel (an OpenAI choice, an Anthropic content block, a Responses output item, a Gemini part) go through
 * a RollingRedactor, so a secret split across deltas, frames or network reads is caught; what a channel
 * still holds is released in a frame of the same shape before the frame that ends it (or at the end of the
 * stream). Every other string of every frame is redacted whole. What may then be released, and when, is the
 * StreamGate's decision (stream-gate.ts).
 */
import { cleanResponseText } from "./inspect-response.js";
import { mapJsonStrings } from "./json-strings.js";
import { RollingRedactor, type SecretMatcher } from "./redaction/matcher.js";
import type { SseEvent } from "./sse.js";
import type { ShroudSettings } from "./settings.js";

type Json = Record<string, any>;

interface Slot {
  channel: string;
  get(): string;
  set(text: string): void;
}

/** The text deltas a frame carries, and the channels it ends, whatever the provider. */
function slotsOf(data: Json): { slots: Slot[]; ends: string[] } {
  const slots: Slot[] = [];
  const ends: string[] = [];
  const slot = (channel: string, holder: Json, key: string) => {
    if (typeof holder?.[key] === "string") slots.push({ channel, get: () => holder[key], set: (t) => (holder[key] = t) });
  };
  if (Array.isArray(data.choices)) {
    for (const choice of data.choices) {
      slot(`choice:${choice.index ?? 0}`, choice.delta, "content");
      if (choice.finish_reason) ends.push(`choice:${choice.index ?? 0}`);
    }
  }
  if (data.type === "content_block_delta" && data.delta) {
    slot(`block:${data.index ?? 0}`, data.delta, data.delta.type === "input_json_delta" ? "partial_json" : "text");
  }
  if (data.type === "content_block_stop") ends.push(`block:${data.index ?? 0}`);
  if (typeof data.type === "string" && data.type.startsWith("response.") && data.type.endsWith(".delta")) {
    slot(`item:${data.item_id ?? ""}:${data.output_index ?? 0}:${data.content_index ?? 0}`, data, "delta");
  }
  if (typeof data.type === "string" && data.type.startsWith("response.") && data.type.endsWith(".done")) {
    ends.push(`item:${data.item_id ?? ""}:${data.output_index ?? 0}:${data.content_index ?? 0}`);
  }
  if (Array.isArray(data.candidates)) {
    data.candidates.forEach((candidate: Json, i: number) => {
      const parts = candidate?.content?.parts;
      if (Array.isArray(parts)) parts.forEach((part: Json, j: number) => slot(`candidate:${i}:${j}`, part, "text"));
      if (candidate?.finishReason && Array.isArray(parts)) parts.forEach((_: Json, j: number) => ends.push(`candidate:${i}:${j}`));
    });
  }
  return { slots, ends };
}

/** The text deltas a frame carries (what the model said in it). */
export function textOf(event: SseEvent): string {
  try {
    const data = JSON.parse(event.data);
    return data && typeof data === "object" ? slotsOf(data).slots.map((slot) => slot.get()).join("") : "";
  } catch {
    return "";
  }
}

/** Token counts wherever the provider puts them in a frame. */
export function usageOf(data: Json): { input?: number; output?: number } {
  const usage = data?.usage ?? data?.message?.usage ?? data?.response?.usage;
  const meta = data?.usageMetadata;
  return {
    input: usage?.prompt_tokens ?? usage?.input_tokens ?? meta?.promptTokenCount,
    output: usage?.completion_tokens ?? usage?.output_tokens ?? meta?.candidatesTokenCount,
  };
}

export class StreamRedaction {
  private readonly channels = new Map<string, { redactor: RollingRedactor; template: { event: SseEvent; data: Json } }>();
  private readonly counts = { secrets: 0, credentials: [] as string[] };
  /** The text released to the client, for scoring at the end. */
  released = "";
  inputTokens = 0;
  outputTokens = 0;

  constructor(private readonly settings: ShroudSettings, private readonly matcher: SecretMatcher | undefined) {}

  get secretsRedacted(): number {
    return this.counts.secrets + [...this.channels.values()].reduce((sum, c) => sum + c.redactor.count, 0);
  }

  get credentialsFiltered(): string[] {
    return [...new Set(this.counts.credentials)];
  }

  private clean(text: string): string {
    return cleanResponseText(text, this.settings, this.matcher, this.counts);
  }

  private redactor(): RollingRedactor | undefined {
    return this.settings.secretRedaction && this.matcher && this.matcher.size > 0 ? new RollingRedactor(this.matcher) : undefined;
  }

  /** The frames to send for one upstream frame (none, it, or held text first and then it). */
  transform(event: SseEvent): SseEvent[] {
    if (event.data === "[DONE]") return [...this.flushAll(), event];
    let data: Json;
    try {
      data = JSON.parse(event.data);
    } catch {
      return [{ ...event, data: this.clean(event.data) }];
    }
    const usage = usageOf(data);
    if (usage.input !== undefined) this.inputTokens = Math.max(this.inputTokens, usage.input);
    if (usage.output !== undefined) this.outputTokens = Math.max(this.outputTokens, usage.output);
    const { slots, ends } = slotsOf(data);
    const out: SseEvent[] = [];
    const handled = new Set<string>();
    for (const slot of slots) {
      let channel = this.channels.get(slot.channel);
      const redactor = channel?.redactor ?? this.redactor();
      const piece = slot.get();
      let released = redactor ? redactor.push(piece) : piece;
      if (ends.includes(slot.channel) && redactor) {
        released += redactor.flush();
        handled.add(slot.channel);
      }
      slot.set(released);
      if (redactor && !channel) {
        channel = { redactor, template: { event, data: structuredClone(data) } };
        this.channels.set(slot.channel, channel);
      }
    }
    for (const end of ends) if (!handled.has(end)) out.push(...this.flush(end));
    // Everything else in the frame (tool arguments, ids, a `.done` event's full text), and credentials, whole.
    const frame = mapJsonStrings(data, (text) => this.clean(text), (text) => this.clean(text)) as Json;
    for (const slot of slotsOf(frame).slots) this.released += slot.get();
    out.push({ ...event, data: JSON.stringify(frame) });
    return out;
  }

  /** A frame shaped like the channel's first one, carrying what it still holds. */
  private flush(channelName: string): SseEvent[] {
    const channel = this.channels.get(channelName);
    if (!channel || !channel.redactor.holding) return [];
    const text = this.clean(channel.redactor.flush());
    const data = structuredClone(channel.template.data);
    const { slots } = slotsOf(data);
    const slot = slots.find((s) => s.channel === channelName);
    if (!slot) return [];
    slot.set(text);
    // Only the text: the template's own ending markers and usage stay with the frames that carried them.
    for (const choice of Array.isArray(data.choices) ? data.choices : []) choice.finish_reason = null;
    delete data.usage;
    this.released += text;
    return [{ ...channel.template.event, data: JSON.stringify(data) }];
  }

  /** At the end of the stream: whatever any channel still holds. */
  flushAll(): SseEvent[] {
    return [...this.channels.keys()].flatMap((name) => this.flush(name));
  }
}
