/**
 * A share of one secret version. Targeted shares (user, agent, creator, a claimed email) wait for their
 * recipient to accept; link shares are readable at once. Every read is a decision on the share's stream at
 * its exact revision, so exactly max_access_count reads go through however many callers race. The
 * passphrase check is argon2 (slow, not pure): it comes in as a verdict; every other rule is decided here.
 */
import type { Actor } from "../events/actor.js";
import {
  readShareEvent, ShareAccepted, ShareAccessed, ShareClaimed, ShareCreated, ShareDeclined, ShareExpired, ShareRevoked,
  type RECIPIENT_TYPES, type ShareEvent,
} from "../events/share.js";
import { defineAggregate } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { Conflict, Forbidden, Gone, NotFound, Unauthenticated } from "./errors.js";
import { parseCidr, parseIp, rulesAllow } from "./rules/cidr.js";
import { requireFutureExpiry } from "./rules/expiry.js";

export type RecipientType = (typeof RECIPIENT_TYPES)[number];

export interface ShareDetails {
  shareId: string;
  orgId: string;
  secretId: string;
  vaultId: string;
  path: string;
  version: number;
  recipientType: RecipientType;
  recipient: Actor | null;
  recipientEmail: string | null;
  expiresAt: Date;
  maxAccessCount: number;
  passphraseHash: string | null;
  /** Canonical CIDR blocks; empty: any address. */
  ipAllowlist: string[];
  createdBy: Actor;
}

export type ShareState =
  | { status: "absent" }
  | (ShareDetails & {
    status: "pending" | "accepted" | "declined" | "open" | "revoked" | "expired";
    accessCount: number;
  });

export type ShareCommand =
  | ({ type: "CreateShare" } & ShareDetails)
  | { type: "ClaimShare"; userId: string }
  | { type: "AcceptShare"; by: Actor }
  | { type: "DeclineShare"; by: Actor }
  | { type: "AccessShare"; accessor: Actor | null; ip: string; passphraseMatches: boolean }
  | { type: "RevokeShare"; by: Actor };

/** Every refusal this aggregate decides (the access path tells them from infrastructure failures). */

export class ShareNotFound extends NotFound {
  constructor() { super("share not found"); this.name = "ShareNotFound"; }
}

/** 410: the share was there and will never be readable again. */
export class ShareGone extends Gone {
  constructor(readonly reason: "revoked" | "expired" | "exhausted" | "declined" | "secret deleted" | "vault deleted" | "secret unreadable") {
    super(`the share is gone (${reason})`);
    this.name = "ShareGone";
  }
}

export class ShareAuthenticationRequired extends Unauthenticated {
  constructor() { super("this share is for a specific user or agent: authenticate to read it"); this.name = "ShareAuthenticationRequired"; }
}

export class ShareNotForYou extends Forbidden {
  constructor() { super("this share is for another recipient"); this.name = "ShareNotForYou"; }
}

export class ShareNotAccepted extends Forbidden {
  constructor() { super("accept the share before reading it (POST /v1/shares/{id}/accept)"); this.name = "ShareNotAccepted"; }
}

export class SharePassphraseRejected extends Forbidden {
  constructor() { super("the share's passphrase is missing or wrong"); this.name = "SharePassphraseRejected"; }
}

export class ShareAddressRejected extends Forbidden {
  constructor() { super("the share may not be read from this address"); this.name = "ShareAddressRejected"; }
}

/** Accepting a declined share, or accepting or declining a link share. */
export class ShareStateConflict extends Conflict {
  constructor(detail: string) { super(detail); this.name = "ShareStateConflict"; }
}

export class ShareRevokeForbidden extends Forbidden {
  constructor() { super("only the share's creator may revoke it"); this.name = "ShareRevokeForbidden"; }
}

/** The refusals a share read can meet: each is recorded (ShareAccessRefused) before it is thrown. */
const SHARE_REFUSALS = [ShareNotFound, ShareGone, ShareAuthenticationRequired, ShareNotForYou, ShareNotAccepted,
  SharePassphraseRejected, ShareAddressRejected, ShareStateConflict, ShareRevokeForbidden] as const;

export function isShareRefusal(error: unknown): error is InstanceType<(typeof SHARE_REFUSALS)[number]> {
  return SHARE_REFUSALS.some((refusal) => error instanceof refusal);
}

const sameActor = (a: Actor | null, b: Actor | null) => a !== null && b !== null && a.type === b.type && a.id === b.id;
const actorOf = (data: Actor): Actor => ({ type: data.type, id: data.id });

function present(state: ShareState): Exclude<ShareState, { status: "absent" }> {
  if (state.status === "absent") throw new ShareNotFound();
  return state;
}

/** Revoked and expired shares are gone for everyone, whatever is asked of them. */
function living(state: ShareState): Exclude<ShareState, { status: "absent" }> {
  const share = present(state);
  if (share.status === "revoked" || share.status === "expired") throw new ShareGone(share.status);
  return share;
}

/** Accepting and declining are the recipient's, and only for targeted shares. */
function asRecipient(state: ShareState, by: Actor) {
  const share = living(state);
  if (share.status === "open") throw new ShareStateConflict("link shares need no acceptance");
  if (!sameActor(share.recipient, by)) throw new ShareNotForYou();
  return share;
}

function addressAllowed(allowlist: readonly string[], ip: string): boolean {
  if (allowlist.length === 0) return true;
  const address = parseIp(ip);
  return address !== undefined && rulesAllow(allowlist.map((cidr) => ({ ruleType: "allow", cidr: parseCidr(cidr) })), address);
}

export const shareDecider: Decider<ShareCommand, ShareState, ShareEvent> = {
  initialState: { status: "absent" },

  evolve(state, event) {
    if (event.type === "ShareCreated") {
      const d = event.data;
      return {
        status: d.recipient_type === "anyone_with_link" ? "open" : "pending", accessCount: 0,
        shareId: d.share_id, orgId: d.org_id, secretId: d.secret_id, vaultId: d.vault_id, path: d.path, version: d.version,
        recipientType: d.recipient_type, recipient: d.recipient && actorOf(d.recipient), recipientEmail: d.recipient_email,
        expiresAt: new Date(d.expires_at), maxAccessCount: d.max_access_count, passphraseHash: d.passphrase_hash,
        ipAllowlist: d.ip_allowlist, createdBy: actorOf(d.created_by),
      };
    }
    if (state.status === "absent") return state;
    switch (event.type) {
      case "ShareClaimed": return { ...state, recipient: { type: "user", id: event.data.user_id } };
      case "ShareAccepted": return { ...state, status: "accepted" };
      case "ShareDeclined": return { ...state, status: "declined" };
      case "ShareAccessed": return { ...state, accessCount: event.data.access_count };
      case "ShareRevoked": return { ...state, status: "revoked" };
      case "ShareExpired": return { ...state, status: "expired" };
    }
  },

  decide(command, state, now) {
    switch (command.type) {
      case "CreateShare": {
        if (state.status !== "absent") throw new ShareStateConflict(`share ${command.shareId} already exists`);
        requireFutureExpiry(command.expiresAt, now);
        return [ShareCreated.of({
          share_id: command.shareId, org_id: command.orgId, secret_id: command.secretId, vault_id: command.vaultId,
          path: command.path, version: command.version, recipient_type: command.recipientType, recipient: command.recipient,
          recipient_email: command.recipientEmail, expires_at: command.expiresAt.toISOString(),
          max_access_count: command.maxAccessCount, passphrase_hash: command.passphraseHash,
          ip_allowlist: command.ipAllowlist, created_by: command.createdBy,
        })];
      }
      case "ClaimShare": {
        const share = present(state);
        // Only an unclaimed email share is claimed, once: a later account on the address gets nothing.
        if (share.recipientType !== "external_email" || share.recipient !== null) return [];
        return [ShareClaimed.of({ share_id: share.shareId, user_id: command.userId })];
      }
      case "AcceptShare": {
        const share = asRecipient(state, command.by);
        if (share.status === "declined") throw new ShareStateConflict("the share was declined");
        return share.status === "accepted" ? [] : [ShareAccepted.of({ share_id: share.shareId, accepted_by: command.by })];
      }
      case "DeclineShare": {
        const share = asRecipient(state, command.by);
        return share.status === "declined" ? [] : [ShareDeclined.of({ share_id: share.shareId, declined_by: command.by })];
      }
      case "RevokeShare": {
        const share = present(state);
        if (!sameActor(share.createdBy, command.by)) throw new ShareRevokeForbidden();
        if (share.status === "revoked" || share.status === "expired") return [];
        return [ShareRevoked.of({ share_id: share.shareId, revoked_by: command.by })];
      }
      case "AccessShare": {
        const share = living(state);
        // The expiry is recorded by the first attempt after it; the caller answers 410 on seeing it.
        if (share.expiresAt <= now) return [ShareExpired.of({ share_id: share.shareId })];
        if (share.status === "declined") throw new ShareGone("declined");
        if (share.maxAccessCount > 0 && share.accessCount >= share.maxAccessCount) throw new ShareGone("exhausted");
        if (share.status !== "open") {
          if (command.accessor === null) throw new ShareAuthenticationRequired();
          if (!sameActor(share.recipient, command.accessor)) throw new ShareNotForYou();
          if (share.status === "pending") throw new ShareNotAccepted();
        }
        if (!addressAllowed(share.ipAllowlist, command.ip)) throw new ShareAddressRejected();
        if (share.passphraseHash !== null && !command.passphraseMatches) throw new SharePassphraseRejected();
        return [ShareAccessed.of({
          share_id: share.shareId, secret_id: share.secretId, version: share.version, accessed_by: command.accessor,
          access_count: share.accessCount + 1,
        })];
      }
    }
  },
};

export const shareAggregate = defineAggregate("share", shareDecider, readShareEvent);
