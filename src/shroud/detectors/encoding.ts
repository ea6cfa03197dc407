/**
 * Encoded payloads that may hide instructions from keyword rules: long base64 runs (that decode to mostly
 * printable text), `\xNN` hex escapes and `\uNNNN` escapes in runs.
 */
import type { Threat } from "./threat.js";

export interface EncodingOptions {
  base64: boolean;
  hex: boolean;
  unicodeEscape: boolean;
}

const BASE64_RUN = /[A-Za-z0-9+/]{40,}={0,2}/g;

/** Decodes to text (mostly printable ASCII): random key material and hashes do not. */
function decodesToText(run: string): boolean {
  const bytes = Buffer.from(run, "base64");
  if (bytes.length < 24) return false;
  let printable = 0;
  for (const byte of bytes) if ((byte >= 0x20 && byte < 0x7f) || byte === 0x0a || byte === 0x0d || byte === 0x09) printable++;
  return printable / bytes.length > 0.9;
}

export function detectEncoding(text: string, options: EncodingOptions, location: Threat["location"]): Threat[] {
  const threats: Threat[] = [];
  if (options.base64 && [...text.matchAll(BASE64_RUN)].some((match) => decodesToText(match[0]))) {
    threats.push({ threat_type: "encoding", pattern: "base64_text", location, severity: "medium" });
  }
  if (options.hex && /(?:\\x[0-9a-fA-F]{2}){4,}/.test(text)) {
    threats.push({ threat_type: "encoding", pattern: "hex_escape", location, severity: "medium" });
  }
  if (options.unicodeEscape && /(?:\\u[0-9a-fA-F]{4}){3,}/.test(text)) {
    threats.push({ threat_type: "encoding", pattern: "unicode_escape", location, severity: "medium" });
  }
  return threats;
}

/** `decode` action: the base64 runs that decode to text, replaced by that text (so later detectors see it). */
export function decodeBase64Runs(text: string): string {
  return text.replace(BASE64_RUN, (run) => (decodesToText(run) ? Buffer.from(run, "base64").toString("utf8") : run));
}
