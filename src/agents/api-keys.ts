/**
 * Agent API keys: `ocv_` + a 16-hex-digit lookup id + 43 base64url characters (256 random bits). The
 * lookup id finds the key's row without revealing the key; the row holds only a SHA-256 hash of the whole
 * key, compared in constant time.
 */
import { randomBytes } from "node:crypto";
import { digestsEqual, sha256Hex } from "../auth/digest.js";

const AGENT_KEY = /^(ocv_[0-9a-f]{16})[A-Za-z0-9_-]{43}$/;

export interface AgentApiKey {
  /** The key itself: shown once, to the human who created or rotated it. */
  key: string;
  prefix: string;
  hash: string;
}

export function generateAgentApiKey(): AgentApiKey {
  const prefix = `ocv_${randomBytes(8).toString("hex")}`;
  const key = prefix + randomBytes(32).toString("base64url");
  return { key, prefix, hash: hashAgentApiKey(key) };
}

/** The lookup prefix of a well-formed agent key, else undefined. */
export function agentKeyPrefix(candidate: string): string | undefined {
  return AGENT_KEY.exec(candidate)?.[1];
}

export const hashAgentApiKey = sha256Hex;

/** Constant-time: the hash of the candidate against the stored hash. */
export function agentKeyMatches(candidate: string, storedHash: string): boolean {
  return digestsEqual(sha256Hex(candidate), storedHash);
}
