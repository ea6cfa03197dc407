/**
 * The reads of one secret (`secret_reads-<secret id>`). For a secret with a max_access_count, appending a
 * read is a decision on this stream at its exact revision: under many concurrent readers, exactly
 * max_access_count reads of the version that set it (or of later ones) go through; the rest get SecretGone.
 * Reads through shares are counted here too, so a share never reads past the secret's own limit.
 */
import type { Actor } from "../events/actor.js";
import { readSecretReadEvent, SecretReadThroughShare, SecretValueRead, type SecretReadEvent } from "../events/secret.js";
import { defineAggregate } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { SecretGone } from "./secret.js";

export interface RecordSecretRead {
  type: "RecordSecretRead";
  secretId: string;
  vaultId: string;
  orgId: string;
  path: string;
  /** The version returned to the reader. */
  version: number;
  /** That version's limit (0: unlimited), counting reads of it and of later versions. */
  maxAccessCount: number;
  reader: Actor;
  policyId?: string;
}

/** A read through a share: counted like any other read of the version. */
export interface RecordSharedSecretRead extends Omit<RecordSecretRead, "type" | "reader" | "policyId"> {
  type: "RecordSharedSecretRead";
  shareId: string;
  reader: Actor | null;
}

/** Reads so far, by version. */
export type SecretReadsState = ReadonlyMap<number, number>;

/** Reads of versions at or after `from`. */
export function readsSince(state: SecretReadsState, from: number): number {
  let total = 0;
  for (const [version, count] of state) if (version >= from) total += count;
  return total;
}

export const secretReadsDecider: Decider<RecordSecretRead | RecordSharedSecretRead, SecretReadsState, SecretReadEvent> = {
  initialState: new Map(),

  evolve(state, event) {
    const next = new Map(state);
    next.set(event.data.version, (next.get(event.data.version) ?? 0) + 1);
    return next;
  },

  decide(command, state) {
    if (command.maxAccessCount > 0 && readsSince(state, command.version) >= command.maxAccessCount) {
      throw new SecretGone(command.path, "exhausted");
    }
    if (command.type === "RecordSharedSecretRead") {
      return [SecretReadThroughShare.of({
        secret_id: command.secretId, vault_id: command.vaultId, org_id: command.orgId, path: command.path,
        version: command.version, share_id: command.shareId, reader: command.reader,
      })];
    }
    return [SecretValueRead.of({
      secret_id: command.secretId, vault_id: command.vaultId, org_id: command.orgId, path: command.path,
      version: command.version, reader: command.reader, ...(command.policyId && { policy_id: command.policyId }),
    })];
  },
};

export const secretReadsAggregate = defineAggregate("secret_reads", secretReadsDecider, readSecretReadEvent);
