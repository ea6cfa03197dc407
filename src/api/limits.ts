/**
 * Size limits of free-form request fields, shared by the server's validation and the clients' types
 * (docs/input-rules.md lists every limit).
 */
import type { z } from "zod";

/** Free-form JSON fields (a secret's `metadata`, a policy's `conditions`): their size as compact JSON, in bytes. */
export const MAX_METADATA_BYTES = 16 * 1024;
export const MAX_CONDITIONS_BYTES = 16 * 1024;

const utf8 = new TextEncoder();

/** The schema, refusing values whose compact JSON is longer than maxBytes (UTF-8). */
export function withinJsonBytes<T extends z.ZodType>(schema: T, maxBytes: number): T {
  return schema.refine((value) => utf8.encode(JSON.stringify(value) ?? "").length <= maxBytes,
    { message: `must be at most ${maxBytes} bytes as JSON` }) as T;
}
