/**
 * Reading read-model rows the same way on both drivers: `pg` parses timestamptz and jsonb, PGlite may hand
 * some back as text. And the one UUID check queries make before binding an id a uuid column would refuse.
 */

/** A timestamptz column's value as a Date. */
export function rowDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

/** A jsonb column's value, parsed if the driver gave it as text. */
export function rowJson<T>(value: T | string): T {
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether the text is a UUID (any case), i.e. whether a uuid column could hold it. */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/** A nullable timestamptz column's value as a Date, or null. */
export function rowOptionalDate(value: Date | string | null): Date | null {
  return value === null ? null : rowDate(value);
}
