/** Constant-time equality of two hex digests: comparing hashes must not leak how much of one matched. */
import { timingSafeEqual } from "node:crypto";

export function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
