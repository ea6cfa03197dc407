/**
 * Questions on the terminal (email, password, MFA code). Reads lines from stdin, so a script can pipe the
 * answers in; on a terminal the password is not echoed. Prompts go to stderr.
 */
import { createInterface, type Interface } from "node:readline";
import { Writable } from "node:stream";
import { UsageError } from "./errors.js";

let lines: AsyncIterator<string> | undefined;
let reader: Interface | undefined;
let muted = false;

function open(): AsyncIterator<string> {
  if (!lines) {
    const output = new Writable({ write(chunk, _encoding, done) { if (!muted) process.stderr.write(chunk); done(); } });
    reader = createInterface({ input: process.stdin, output, terminal: !!process.stdin.isTTY });
    lines = reader[Symbol.asyncIterator]();
  }
  return lines;
}

export async function ask(question: string, options: { secret?: boolean } = {}): Promise<string> {
  const iterator = open();
  process.stderr.write(question);
  muted = !!options.secret && !!process.stdin.isTTY;
  try {
    const next = await iterator.next();
    if (next.done) throw new UsageError(`no answer to "${question.trim()}" (stdin closed)`);
    return next.value.trim();
  } finally {
    // A terminal echoed the Enter key, except for a muted answer; a pipe echoes nothing.
    if (muted || !process.stdin.isTTY) process.stderr.write("\n");
    muted = false;
  }
}

export function closePrompts(): void {
  reader?.close();
}
