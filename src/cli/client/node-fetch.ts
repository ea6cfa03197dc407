/**
 * The SDK's requests over node:http(s) instead of the global fetch. Node 20's fetch (undici) costs a
 * command ~130 ms of CPU on its first call, loading its bundle and compiling its WebAssembly HTTP parser:
 * more than all the rest of `keyledger secret get`. API answers are small JSON, so each is read whole.
 * Redirects are not followed (the API answers none; a credential is never sent on to another place).
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import type { FetchLike, FetchResponse } from "../../sdk/http.js";
import { version } from "../../version.js";

const USER_AGENT = `keyledger-cli/${version}`;
/** How long the connection may stay silent before the command gives up (fetch's own limit is 300 s). */
export const SILENCE_TIMEOUT_MS = 60_000;

export const nodeFetch: FetchLike = createNodeFetch(SILENCE_TIMEOUT_MS);

export function createNodeFetch(silenceTimeoutMs: number): FetchLike {
  return async (url, init) => {
    const target = new URL(url);
    if (target.protocol !== "http:" && target.protocol !== "https:") throw new TypeError(`${target.protocol} is not http: or https:`);
    // TLS is loaded only for an https API.
    const client = target.protocol === "https:" ? await import("node:https") : http;
    const headers: Record<string, string | number> = { "User-Agent": USER_AGENT, ...init.headers };
    if (init.body !== undefined) headers["Content-Length"] = Buffer.byteLength(init.body);
    return new Promise<FetchResponse>((resolve, reject) => {
      const request = client.request(target, { method: init.method, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.once("end", () => resolve(answer(response, Buffer.concat(chunks).toString("utf8"))));
        response.once("error", reject);
      });
      request.once("error", reject);
      // A hung API must not hang a script: no byte for this long ends the request.
      request.setTimeout(silenceTimeoutMs, () =>
        request.destroy(new Error(`the API sent nothing for ${silenceTimeoutMs / 1000} s`)));
      request.end(init.body);
    });
  };
}

function answer(response: IncomingMessage, text: string): FetchResponse {
  const status = response.statusCode ?? 0;
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: { get: (name) => headerValue(response.headers, name) },
    text: async () => text,
  };
}

/** As fetch's Headers.get: case-insensitive, repeated values joined. */
function headerValue(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name.toLowerCase()];
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(", ") : value;
}
