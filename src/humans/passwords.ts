/** Password hashing with argon2id (OWASP's parameters: 19 MiB, 2 passes, 1 lane). */
import { Algorithm, hash, verify } from "@node-rs/argon2";

const OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export { MIN_PASSWORD_LENGTH } from "../api/auth.js";

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

let decoy: Promise<string> | undefined;

/**
 * Whether the password matches the hash. Without a hash (unknown address, Google-only account) a decoy hash
 * is checked anyway, so the answer takes as long and does not reveal whether the account exists.
 */
export async function passwordMatches(passwordHash: string | undefined, password: string): Promise<boolean> {
  decoy ??= hashPassword("decoy password that never matches anything");
  const matches = await verify(passwordHash ?? (await decoy), password).catch(() => false);
  return matches && passwordHash !== undefined;
}
