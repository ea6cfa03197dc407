/**
 * What a stream may release, after redaction: in `holdback` mode (streaming_holdback_chars) frames are held
 * until more text than the window follows them, and before any is released the whole text so far is
 * judged (every JUDGE_STEP characters) like a whole response (blocking parity: what would withhold a whole answer stops the stream before
 * the offending text goes out); the rest is judged at the end. In `rolling` mode frames pass at once, except
 * that with tool-call inspection on, a tool call's frames are held until the call is complete and checked,
 * then released in their order (or the stream is stopped). A stopped stream ends with one error frame in
 * the provider's shape.
 */
import type { ToolCall } from "./detectors/tool-calls.js";
import { judgeResponse, type ResponseVerdict } from "./inspect-response.js";
import type { Shape } from "./proxy.js";
import type { ShroudSettings } from "./settings.js";
import type { SseEvent } from "./sse.js";
import { textOf } from "./stream-redaction.js";

type Json = Record<string, any>;

/** Tool calls assembled from stream frames, whatever the provider; `open` while one is still arriving. */
class ToolCallCollector {
  private readonly calls = new Map<string, { name: string; arguments: string; done: boolean }>();

  push(data: Json): void {
    const open = (key: string, name: unknown) => {
      const call = this.calls.get(key) ?? { name: "", arguments: "", done: false };
      if (typeof name === "string" && name) call.name = name;
      this.calls.set(key, call);
      return call;
    };
    for (const choice of Array.isArray(data.choices) ? data.choices : []) {
      for (const delta of Array.isArray(choice?.delta?.tool_calls) ? choice.delta.tool_calls : []) {
        const call = open(`choice:${choice.index ?? 0}:${delta.index ?? 0}`, delta.function?.name);
        if (typeof delta.function?.arguments === "string") call.arguments += delta.function.arguments;
      }
      if (choice?.finish_reason) for (const [key, call] of this.calls) if (key.startsWith(`choice:${choice.index ?? 0}:`)) call.done = true;
    }
    if (data.type === "content_block_start" && data.content_block?.type === "tool_use") open(`block:${data.index ?? 0}`, data.content_block.name);
    if (data.type === "content_block_delta" && data.delta?.type === "input_json_delta" && this.calls.has(`block:${data.index ?? 0}`)) {
      this.calls.get(`block:${data.index ?? 0}`)!.arguments += data.delta.partial_json ?? "";
    }
    if (data.type === "content_block_stop" && this.calls.has(`block:${data.index ?? 0}`)) this.calls.get(`block:${data.index ?? 0}`)!.done = true;
    if (data.type === "response.output_item.added" && data.item?.type === "function_call") open(`item:${data.item.id ?? data.output_index}`, data.item.name);
    if (data.type === "response.function_call_arguments.delta") {
      const call = this.calls.get(`item:${data.item_id ?? data.output_index}`);
      if (call && typeof data.delta === "string") call.arguments += data.delta;
    }
    if (data.type === "response.output_item.done" && data.item?.type === "function_call") {
      const call = open(`item:${data.item.id ?? data.output_index}`, data.item.name);
      if (typeof data.item.arguments === "string") call.arguments = data.item.arguments;
      call.done = true;
    }
    (Array.isArray(data.candidates) ? data.candidates : []).forEach((candidate: Json, i: number) => {
      (Array.isArray(candidate?.content?.parts) ? candidate.content.parts : []).forEach((part: Json, j: number) => {
        if (typeof part?.functionCall?.name !== "string") return;
        const call = open(`candidate:${i}:${j}:${this.calls.size}`, part.functionCall.name);
        call.arguments = JSON.stringify(part.functionCall.args ?? {});
        call.done = true;
      });
    });
  }

  get open(): boolean {
    return [...this.calls.values()].some((call) => !call.done);
  }

  get size(): number {
    return this.calls.size;
  }

  /** Every call so far (`complete`: only those whose arguments have all arrived). */
  all(complete = false): ToolCall[] {
    return [...this.calls.values()].filter((call) => !complete || call.done).map((call) => ({ name: call.name, arguments: call.arguments, offered: false }));
  }
}

/** The one frame that ends a stopped stream, in the provider's shape (then `[DONE]` where the provider sends one). */
export function blockedFrames(shape: Shape, message: string): SseEvent[] {
  const error = { type: "shroud_blocked", message };
  if (shape === "messages") return [{ fields: ["event: error"], event: "error", data: JSON.stringify({ type: "error", error }) }];
  if (shape === "responses") return [{ fields: ["event: error"], event: "error", data: JSON.stringify({ type: "error", error }) }];
  const frames: SseEvent[] = [{ fields: [], data: JSON.stringify({ error }) }];
  return shape === "chat" ? [...frames, { fields: [], data: "[DONE]" }] : frames;
}

interface Held {
  event: SseEvent;
  text: string;
}

/** Text that must arrive before the whole is judged again: each judgement reads everything said so far. */
const JUDGE_STEP = 256;

export class StreamGate {
  private readonly held: Held[] = [];
  private heldChars = 0;
  private released = "";
  private readonly tools = new ToolCallCollector();
  private holdingTools = false;
  /** The last verdict on the whole text (at the end, or when it stopped the stream). */
  verdict?: ResponseVerdict;

  constructor(private readonly settings: ShroudSettings) {}

  /** The text released and held so far: what the response has said. */
  get text(): string {
    return this.released + this.held.map((h) => h.text).join("");
  }

  /** The frames to send now, or the reason to stop the stream. */
  push(events: readonly SseEvent[]): { send: SseEvent[]; blocked?: string } {
    for (const event of events) {
      const data = parse(event);
      const before = this.tools.size;
      if (data && this.settings.toolCalls.enabled) this.tools.push(data);
      if (this.settings.toolCalls.enabled && this.tools.size > before) this.holdingTools = true;
      const text = textOf(event);
      this.held.push({ event, text });
      this.heldChars += text.length;
    }
    if (this.settings.streaming.mode === "holdback") {
      const window = this.settings.streaming.holdbackChars;
      if (this.heldChars <= window + Math.min(JUDGE_STEP, window)) return { send: [] };
      const verdict = judgeResponse(this.text, this.tools.all(true), this.settings);
      if (verdict.blocked) return this.stop(verdict);
      return { send: this.release(window) };
    }
    if (this.holdingTools) {
      if (this.tools.open) return { send: [] };
      const verdict = judgeResponse("", this.tools.all(), this.settings);
      if (verdict.blocked) return this.stop(verdict);
      this.holdingTools = false;
    }
    return { send: this.release(0) };
  }

  /** At the end of the stream: the whole text judged; what is still held released, or the stream stopped. */
  end(): { send: SseEvent[]; blocked?: string } {
    const verdict = judgeResponse(this.text, this.tools.all(), this.settings);
    this.verdict = verdict;
    const canStop = this.settings.streaming.mode === "holdback" || (this.holdingTools && this.held.length > 0);
    if (verdict.blocked && canStop) return this.stop(verdict);
    return { send: this.release(0) };
  }

  private stop(verdict: ResponseVerdict): { send: SseEvent[]; blocked: string } {
    this.verdict = verdict;
    this.held.length = 0;
    this.heldChars = 0;
    return { send: [], blocked: verdict.blocked! };
  }

  /** Releases held frames from the front until no more than `keep` characters of text are held. */
  private release(keep: number): SseEvent[] {
    const out: SseEvent[] = [];
    while (this.held.length > 0 && (this.heldChars > keep || (this.held[0].text === "" && keep === 0))) {
      const { event, text } = this.held.shift()!;
      this.heldChars -= text.length;
      this.released += text;
      out.push(event);
    }
    return out;
  }
}

function parse(event: SseEvent): Json | undefined {
  try {
    const data = JSON.parse(event.data);
    return data && typeof data === "object" ? data : undefined;
  } catch {
    return undefined;
  }
}
