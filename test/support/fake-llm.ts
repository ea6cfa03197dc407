/**
 * A fake LLM provider on loopback (a third party we cannot run in tests), speaking the real wire protocols:
 * OpenAI chat completions and Responses, Anthropic messages, Gemini generateContent, each whole or as SSE.
 * It records what it received (path, headers, body) and, unless told what to say, answers with the request
 * body it received as the assistant's text, so a test can see exactly what reached the provider. Streams
 * split the text into deltas at chosen character offsets and the bytes at chosen byte offsets (each piece a
 * separate write), as a network would.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface FakeLlm {
  url: string;
  received: ReceivedRequest[];
  /** What the assistant says; default: the received body. */
  reply?: (request: ReceivedRequest) => string;
  /** Character offsets of the text where stream deltas are cut. */
  deltaSplits: number[];
  /** Byte offsets of the whole SSE output where network writes are cut. */
  byteSplits: number[];
  /** While set, streams wait for it before their last frames (to keep them open). */
  hold?: Promise<void>;
  /** A tool call the assistant makes after its text (OpenAI chat and Anthropic messages, whole or streamed). */
  toolCall?: { name: string; arguments: string };
  reset(): void;
  close(): Promise<void>;
}

const PROVIDER_KEY_HEADERS = ["authorization", "x-api-key", "x-goog-api-key"];

function pieces(text: string, splits: number[]): string[] {
  const cuts = [...new Set(splits.filter((n) => n > 0 && n < text.length))].sort((a, b) => a - b);
  const out: string[] = [];
  let at = 0;
  for (const cut of cuts) {
    out.push(text.slice(at, cut));
    at = cut;
  }
  out.push(text.slice(at));
  return out;
}

const sse = (data: unknown, event?: string) => `${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;

function wholeAnswer(kind: string, model: string, text: string, inputTokens: number, outputTokens: number): unknown {
  switch (kind) {
    case "messages":
      return { id: `msg_${randomUUID()}`, type: "message", role: "assistant", model, content: [{ type: "text", text }],
        stop_reason: "end_turn", usage: { input_tokens: inputTokens, output_tokens: outputTokens } };
    case "responses":
      return { id: `resp_${randomUUID()}`, object: "response", model, status: "completed",
        output: [{ type: "message", id: "msg_1", role: "assistant", content: [{ type: "output_text", text, annotations: [] }] }],
        usage: { input_tokens: inputTokens, output_tokens: outputTokens, total_tokens: inputTokens + outputTokens } };
    case "gemini":
      return { candidates: [{ content: { role: "model", parts: [{ text }] }, finishReason: "STOP", index: 0 }],
        usageMetadata: { promptTokenCount: inputTokens, candidatesTokenCount: outputTokens, totalTokenCount: inputTokens + outputTokens } };
    default:
      return { id: `chatcmpl-${randomUUID()}`, object: "chat.completion", created: 1, model,
        choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
        usage: { prompt_tokens: inputTokens, completion_tokens: outputTokens, total_tokens: inputTokens + outputTokens } };
  }
}

function streamFrames(kind: string, model: string, deltas: string[], inputTokens: number, outputTokens: number, usage: boolean): { head: string[]; tail: string[] } {
  switch (kind) {
    case "messages":
      return {
        head: [sse({ type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", model, content: [],
          usage: { input_tokens: inputTokens, output_tokens: 0 } } }, "message_start"),
        sse({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }, "content_block_start"),
        ...deltas.map((text) => sse({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text } }, "content_block_delta"))],
        tail: [sse({ type: "content_block_stop", index: 0 }, "content_block_stop"),
          sse({ type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: outputTokens } }, "message_delta"),
          sse({ type: "message_stop" }, "message_stop")],
      };
    case "responses":
      return {
        head: [sse({ type: "response.created", response: { id: "resp_1", status: "in_progress" } }, "response.created"),
          ...deltas.map((delta) => sse({ type: "response.output_text.delta", item_id: "msg_1", output_index: 0, content_index: 0, delta },
            "response.output_text.delta"))],
        tail: [sse({ type: "response.output_text.done", item_id: "msg_1", output_index: 0, content_index: 0, text: deltas.join("") },
          "response.output_text.done"),
        sse({ type: "response.completed", response: { id: "resp_1", status: "completed",
          usage: { input_tokens: inputTokens, output_tokens: outputTokens } } }, "response.completed")],
      };
    case "gemini":
      return {
        head: deltas.slice(0, -1).map((text) => sse({ candidates: [{ content: { role: "model", parts: [{ text }] }, index: 0 }] })),
        tail: [sse({ candidates: [{ content: { role: "model", parts: [{ text: deltas[deltas.length - 1] }] }, finishReason: "STOP", index: 0 }],
          usageMetadata: { promptTokenCount: inputTokens, candidatesTokenCount: outputTokens } })],
      };
    default: {
      const chunk = (delta: Record<string, unknown>, finish: string | null) => sse({ id: "chatcmpl-1", object: "chat.completion.chunk",
        created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] });
      return {
        head: [chunk({ role: "assistant", content: "" }, null), ...deltas.map((content) => chunk({ content }, null))],
        tail: [chunk({}, "stop"),
          ...(usage ? [sse({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model, choices: [],
            usage: { prompt_tokens: inputTokens, completion_tokens: outputTokens, total_tokens: inputTokens + outputTokens } })] : []),
          sse("[DONE]")],
      };
    }
  }
}

function withToolCall(answer: any, call: FakeLlm["toolCall"]): unknown {
  if (!call) return answer;
  if (Array.isArray(answer.choices)) {
    answer.choices[0].message.tool_calls = [{ id: "call_1", type: "function", function: call }];
    answer.choices[0].finish_reason = "tool_calls";
  }
  if (Array.isArray(answer.content)) answer.content.push({ type: "tool_use", id: "toolu_1", name: call.name, input: JSON.parse(call.arguments) });
  return answer;
}

/** A tool call streamed after the text, its arguments in two pieces (OpenAI chat, Anthropic messages). */
function toolCallFrames(kind: string, model: string, call: { name: string; arguments: string }): string[] {
  const half = Math.floor(call.arguments.length / 2);
  const parts = [call.arguments.slice(0, half), call.arguments.slice(half)];
  if (kind === "messages") {
    return [sse({ type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "toolu_1", name: call.name, input: {} } }, "content_block_start"),
      ...parts.map((partial_json) => sse({ type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json } }, "content_block_delta")),
      sse({ type: "content_block_stop", index: 1 }, "content_block_stop")];
  }
  const chunk = (tool: Record<string, unknown>) => sse({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model,
    choices: [{ index: 0, delta: { tool_calls: [{ index: 0, ...tool }] }, finish_reason: null }] });
  return [chunk({ id: "call_1", type: "function", function: { name: call.name, arguments: parts[0] } }), chunk({ function: { arguments: parts[1] } })];
}

function kindOf(path: string): string {
  if (path === "/v1/messages") return "messages";
  if (path === "/v1/responses") return "responses";
  if (path.startsWith("/v1beta/models/")) return "gemini";
  return "chat";
}

async function writeSplit(res: ServerResponse, text: string, byteSplits: number[]): Promise<void> {
  const bytes = Buffer.from(text);
  const cuts = [...new Set(byteSplits.filter((n) => n > 0 && n < bytes.length))].sort((a, b) => a - b);
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    res.write(bytes.subarray(at, cut));
    at = cut;
    // A pause, so each piece leaves as its own TCP segment.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function startFakeLlm(): Promise<FakeLlm> {
  const fake: FakeLlm = {
    url: "", received: [], deltaSplits: [], byteSplits: [],
    reset() {
      this.received.length = 0;
      this.reply = undefined;
      this.deltaSplits = [];
      this.byteSplits = [];
      this.hold = undefined;
      this.toolCall = undefined;
    },
    close: async () => {},
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", "http://fake.invalid");
    const request: ReceivedRequest = { method: req.method ?? "", path: url.pathname, query: url.search, headers: { ...req.headers },
      body: Buffer.concat(chunks).toString("utf8") };
    fake.received.push(request);
    if (!PROVIDER_KEY_HEADERS.some((name) => req.headers[name])) {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "Incorrect API key provided", type: "invalid_request_error" } }));
      return;
    }
    const parsed = JSON.parse(request.body || "{}");
    const kind = kindOf(url.pathname);
    const model = parsed.model ?? url.pathname.split("/").pop()?.split(":")[0] ?? "unknown";
    const text = fake.reply ? fake.reply(request) : request.body;
    const inputTokens = Math.ceil(request.body.length / 4);
    const outputTokens = Math.ceil(text.length / 4);
    const streaming = parsed.stream === true || url.pathname.endsWith(":streamGenerateContent");
    if (!streaming) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(withToolCall(wholeAnswer(kind, model, text, inputTokens, outputTokens), fake.toolCall)));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const frames = streamFrames(kind, model, pieces(text, fake.deltaSplits), inputTokens, outputTokens,
      parsed.stream_options?.include_usage === true);
    if (fake.toolCall) frames.head.push(...toolCallFrames(kind, model, fake.toolCall));
    await writeSplit(res, frames.head.join(""), fake.byteSplits);
    if (fake.hold) await fake.hold;
    res.end(frames.tail.join(""));
  };
  const server: Server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  return fake;
}

/** The assistant text of a whole answer, whatever the provider shape. */
export function answerText(body: any): string {
  return body?.choices?.[0]?.message?.content ?? body?.content?.[0]?.text ?? body?.candidates?.[0]?.content?.parts?.[0]?.text
    ?? body?.output?.[0]?.content?.[0]?.text ?? "";
}

/** The assistant text of an SSE stream, whatever the provider shape (deltas concatenated). */
export function streamedText(raw: string): string {
  let text = "";
  for (const block of raw.split("\n\n")) {
    const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
    if (!data || data === "[DONE]") continue;
    const frame = JSON.parse(data);
    text += frame.choices?.[0]?.delta?.content ?? "";
    if (frame.type === "content_block_delta") text += frame.delta?.text ?? "";
    if (frame.type === "response.output_text.delta") text += frame.delta ?? "";
    text += frame.candidates?.[0]?.content?.parts?.[0]?.text ?? "";
  }
  return text;
}
