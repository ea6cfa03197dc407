/** Rewriting every string of a parsed JSON body: values, and (for redaction) object keys too. */
export function mapJsonStrings(value: unknown, values: (text: string) => string, keys?: (text: string) => string): unknown {
  if (typeof value === "string") return values(value);
  if (Array.isArray(value)) return value.map((item) => mapJsonStrings(item, values, keys));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [keys ? keys(key) : key, mapJsonStrings(item, values, keys)]));
  }
  return value;
}

/** Every string value, in document order (the text detectors read). */
export function jsonStrings(value: unknown, into: string[] = []): string[] {
  if (typeof value === "string") into.push(value);
  else if (Array.isArray(value)) for (const item of value) jsonStrings(item, into);
  else if (value && typeof value === "object") for (const item of Object.values(value)) jsonStrings(item, into);
  return into;
}

/** A rough token count (4 characters a token), for the per-request cap before the provider says. */
export function estimateTokens(texts: readonly string[]): number {
  return Math.ceil(texts.reduce((sum, text) => sum + text.length, 0) / 4);
}

/** The value with its string values replaced, in jsonStrings' order, by `strings` (keys unchanged). */
export function withJsonStrings(value: unknown, strings: readonly string[]): unknown {
  let next = 0;
  return mapJsonStrings(value, () => strings[next++]);
}
