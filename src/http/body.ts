/**
 * Reads a JSON request body with a size limit. Returns undefined when the request has no body, so that the
 * route's schema decides whether a body is required.
 */
import type { IncomingMessage } from "node:http";
import type { Context } from "koa";
import { HttpProblem } from "./problems.js";

export const DEFAULT_BODY_LIMIT_BYTES = 5 * 1024 * 1024;

function tooLarge(limit: number): HttpProblem {
  // The rest of the upload is not read: close the connection rather than keep it in an unknown state.
  return new HttpProblem(413, `the request body is larger than ${limit} bytes`, { Connection: "close" });
}

/** Stops reading at the limit without destroying the socket, so the 413 can still be sent. */
function readAll(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.off("data", onData).off("end", onEnd).off("error", onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      stop();
      req.pause();
      reject(tooLarge(limit));
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    req.on("data", onData).on("end", onEnd).on("error", onError);
  });
}

export async function readJsonBody(ctx: Context, limit: number): Promise<unknown> {
  // koa's is() answers null when the request carries no body; clients send `Content-Length: 0` for none too.
  const isJson = ctx.is("application/json", "application/*+json");
  if (isJson === null || ctx.request.length === 0) return undefined;
  if (isJson === false) throw new HttpProblem(415, "the request body must be application/json");
  if (ctx.request.length !== undefined && ctx.request.length > limit) throw tooLarge(limit);

  const text = (await readAll(ctx.req, limit)).toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpProblem(400, "the request body is not valid JSON");
  }
}
