/**
 * Ids derived from names (name-based UUIDs): the first 128 bits of a SHA-256 digest of the name, laid out
 * as a UUID, so that a derived id is valid wherever a UUID is (event schemas, uuid columns) and a stream
 * name holds neither the name, the path nor the address it stands for.
 *
 * Stored streams are named by these ids, so a layout's output can never change. Three were in use before
 * this module; they differ only in the version and variant bits, and each is kept under its own name.
 */
import { hash } from "node:crypto";

/** "v5": version 5 and RFC 4122 variant bits; "v8": version 8 (custom) and variant bits; "raw": the digest's own bits. */
export type NameBasedLayout = "v5" | "v8" | "raw";

export function uuidFromName(name: string, layout: NameBasedLayout): string {
  const hex = hash("sha256", name, "hex");
  if (layout === "raw") {
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  }
  const version = layout === "v5" ? "5" : "8";
  const variant = (8 | (parseInt(hex[16], 16) & 3)).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${version}${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The id of a thing named by several parts (a kind, then what names it); the layout for new derived ids. */
export function nameBasedId(...parts: string[]): string {
  return uuidFromName(JSON.stringify(parts), "v5");
}
