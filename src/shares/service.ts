/**
 * Sharing a secret: creating shares (the caller must be able to read the secret), reading through them
 * (audited and counted on the share's stream, fail closed), accepting, declining, revoking, and claiming
 * email shares when their address signs in. A share exposes the version current when it was created; it
 * goes (410) with that version, its secret or its vault.
 */
import { Forbidden, Invalid, NotFound } from "../../commands/errors.js";
import { formatCidr, parseCidr } from "../../commands/rules/cidr.js";
import { readableVersion, secretAggregate, SecretGone, SecretNotFound, SecretVersionNotFound } from "../../commands/secret.js";
import {
  isShareRefusal, shareAggregate, shareDecider, ShareGone, ShareNotFound,
  type RecipientType, type ShareCommand, type ShareDetails, type ShareState,
} from "../../commands/share.js";
import { readsSince, secretReadsAggregate } from "../../commands/secret-reads.js";
import type { Actor } from "../../events/actor.js";
import { ShareAccessRefused } from "../../events/share.js";
import { authorize } from "../access/authorize.js";
import { findAgentById } from "../agents/queries.js";
import { loadAggregate } from "../app/aggregates.js";
import type { Services } from "../app/services.js";
import { actorOf, type Principal } from "../auth/principal.js";
import type { EventMetadata } from "../eventstore/port.js";
import { hashPassword, passwordMatches } from "../humans/passwords.js";
import { findUserById } from "../humans/queries.js";
import { normaliseEmail } from "../humans/streams.js";
import { SealedValueUnreadable } from "../keys/envelope.js";
import { KeyNotFound } from "../keys/port.js";
import { openSecretVersion } from "../secrets/open-version.js";
import { ReadNotAudited, type Caller } from "../secrets/service.js";
import { findVaultById } from "../vaults/queries.js";
import { notifyEmailRecipient, notifyShareAccessed } from "./notify.js";
import { isUuid } from "../db/rows.js";
import { findLivingSecret } from "./queries.js";
import { shareRefusalsStream } from "./streams.js";

type ShareServices = Pick<Services, "db" | "bus" | "store" | "keys" | "clock" | "mail" | "logger" | "config">;

/** Agents cannot mail credentials to arbitrary addresses (the seeds' security model). */
export class EmailShareForbidden extends Forbidden {
  constructor() { super("agents cannot create email shares"); this.name = "EmailShareForbidden"; }
}

export class ShareRecipientNotFound extends NotFound {
  constructor(type: string) { super(`the recipient ${type} does not exist or is inactive`); this.name = "ShareRecipientNotFound"; }
}

/** A request whose fields do not fit together (the schema checks each field alone). */
export class InvalidShareRequest extends Invalid {
  constructor(detail: string) { super(detail); this.name = "InvalidShareRequest"; }
}

export interface CreateShareInput {
  recipientType: RecipientType;
  recipientId?: string;
  email?: string;
  expiresAt: Date;
  maxAccessCount: number;
  passphrase?: string;
  ipAllowlist: string[];
}

async function loadShare(services: Pick<Services, "store">, shareId: string): Promise<ShareState> {
  if (!isUuid(shareId)) return shareDecider.initialState;
  return await loadAggregate(services.store, shareAggregate, shareId);
}

/** Who may read the share, and the address of an email share. */
async function resolveRecipient(
  services: Pick<Services, "db" | "clock">, principal: Principal, input: CreateShareInput,
): Promise<{ recipient: Actor | null; recipientEmail: string | null }> {
  switch (input.recipientType) {
    case "anyone_with_link":
      return { recipient: null, recipientEmail: null };
    case "external_email":
      if (principal.type === "agent") throw new EmailShareForbidden();
      if (!input.email) throw new InvalidShareRequest("email is required for recipient_type external_email");
      return { recipient: null, recipientEmail: normaliseEmail(input.email) };
    case "creator": {
      if (principal.type !== "agent") throw new InvalidShareRequest("recipient_type creator is for agents sharing with their human");
      const agent = await findAgentById(services.db, principal.id, services.clock());
      const human = agent && (await findUserById(services.db, agent.createdBy));
      if (!human?.active) throw new ShareRecipientNotFound("user");
      return { recipient: { type: "user", id: human.id }, recipientEmail: null };
    }
    case "user":
    case "agent": {
      const id = input.recipientId;
      if (!id) throw new InvalidShareRequest(`recipient_id is required for recipient_type ${input.recipientType}`);
      const found = input.recipientType === "user" ? await findUserById(services.db, id) : await findAgentById(services.db, id, services.clock());
      if (!found?.active) throw new ShareRecipientNotFound(input.recipientType);
      return { recipient: { type: input.recipientType, id: found.id }, recipientEmail: null };
    }
  }
}

export async function createShare(
  services: ShareServices, caller: Caller, secretId: string, input: CreateShareInput, shareId: string,
): Promise<ShareDetails> {
  const { principal } = caller;
  const secret = await findLivingSecret(services.db, secretId);
  if (!secret) throw new SecretNotFound(secretId);
  await authorize(services, principal, { vaultId: secret.vaultId, path: secret.path, permission: "read", ip: caller.ip,
    metadata: caller.metadata, action: "share.create" });
  const now = services.clock();
  const { recipient, recipientEmail } = await resolveRecipient(services, principal, input);
  const ipAllowlist = input.ipAllowlist.map((cidr) => formatCidr(parseCidr(cidr)));
  const secretState = await loadAggregate(services.store, secretAggregate, secret.id);
  const { version, maxAccessCount } = readableVersion(secretState, secret.path, now);
  // A used-up secret cannot be handed on: its reads through the share would be refused anyway.
  if (maxAccessCount > 0 && readsSince(await loadAggregate(services.store, secretReadsAggregate, secret.id), version) >= maxAccessCount) {
    throw new SecretGone(secret.path, "exhausted");
  }
  const command: ShareCommand & ShareDetails = {
    type: "CreateShare", shareId, orgId: principal.orgId, secretId: secret.id, vaultId: secret.vaultId, path: secret.path,
    version, recipientType: input.recipientType, recipient, recipientEmail, expiresAt: input.expiresAt,
    maxAccessCount: input.maxAccessCount, passphraseHash: input.passphrase ? await hashPassword(input.passphrase) : null,
    ipAllowlist, createdBy: actorOf(principal),
  };
  await services.bus.handle(shareAggregate, shareId, command, { metadata: caller.metadata });
  if (recipientEmail !== null) await notifyEmailRecipient(services, { ...command, recipientEmail });
  return command;
}

export interface ShareAccess {
  /** Absent for an anonymous caller (a link share). */
  principal?: Principal;
  ip: string;
  metadata: EventMetadata;
  passphrase?: string;
}

export interface SharedValue {
  shareId: string;
  secretId: string;
  path: string;
  type: string;
  version: number;
  value: string;
  accessCount: number;
  maxAccessCount: number;
}

/** The shared version's plaintext, or why it is gone: deleted secret or vault, disabled or expired version. */
async function openSharedVersion(
  services: ShareServices, share: ShareDetails,
): Promise<{ type: string; value: string; maxAccessCount: number }> {
  const vault = await findVaultById(services.db, share.vaultId);
  if (!vault || vault.deletedAt) throw new ShareGone("vault deleted");
  const state = await loadAggregate(services.store, secretAggregate, share.secretId);
  let found;
  try {
    found = readableVersion(state, share.path, services.clock(), share.version);
  } catch (error) {
    if (error instanceof SecretGone && error.reason === "deleted") throw new ShareGone("secret deleted");
    if (error instanceof SecretGone || error instanceof SecretNotFound || error instanceof SecretVersionNotFound) {
      throw new ShareGone("secret unreadable");
    }
    throw error;
  }
  try {
    const value = await openSecretVersion(services.keys, { vaultId: share.vaultId, secretId: share.secretId }, found);
    return { type: found.type, value, maxAccessCount: found.maxAccessCount };
  } catch (error) {
    // The vault's KEK was destroyed (crypto-shredding) between the vault check and here.
    if (error instanceof SealedValueUnreadable || error instanceof KeyNotFound) throw new ShareGone("secret unreadable");
    throw error;
  }
}

/**
 * Reads the shared value. The refusals are decided on the loaded share before anything is decrypted; the
 * access is then decided again, and recorded, at the stream's exact revision: only a recorded access
 * returns the value (fail closed), and exactly max_access_count of them go through. Refusals are recorded too.
 */
export async function accessShare(services: ShareServices, access: ShareAccess, shareId: string): Promise<SharedValue> {
  const state = await loadShare(services, shareId);
  if (state.status === "absent") throw new ShareNotFound();
  const accessor = access.principal ? actorOf(access.principal) : null;
  // The share's organisation sees anonymous reads (and refusals) in its audit log too.
  const metadata = { ...access.metadata, org_id: state.orgId };
  try {
    return await readThroughShare(services, access, state, accessor, metadata);
  } catch (error) {
    if (!isShareRefusal(error)) throw error;
    await services.bus.record(shareRefusalsStream(state.shareId), [ShareAccessRefused.of({
      share_id: state.shareId, accessed_by: accessor, reason: error.message,
    })], { metadata, readYourWrites: false });
    throw error;
  }
}

async function readThroughShare(
  services: ShareServices, access: ShareAccess, state: Exclude<ShareState, { status: "absent" }>, accessor: Actor | null,
  metadata: EventMetadata,
): Promise<SharedValue> {
  const passphraseMatches = state.passphraseHash !== null && access.passphrase !== undefined
    && (await passwordMatches(state.passphraseHash, access.passphrase));
  const command: ShareCommand = { type: "AccessShare", accessor, ip: access.ip, passphraseMatches };
  const { shareId } = state;
  const preview = shareDecider.decide(command, state, services.clock());
  const opened = preview[0]?.type === "ShareAccessed" ? await openSharedVersion(services, state) : undefined;
  if (opened && opened.maxAccessCount > 0
    && readsSince(await loadAggregate(services.store, secretReadsAggregate, state.secretId), state.version) >= opened.maxAccessCount) {
    throw new ShareGone("secret unreadable");
  }
  let result;
  try {
    result = await services.bus.handle(shareAggregate, shareId, command, { metadata });
  } catch (error) {
    if (isShareRefusal(error)) throw error;
    throw new ReadNotAudited({ cause: error });
  }
  const accessed = result.events.find((event) => event.type === "ShareAccessed");
  if (!accessed || !opened) throw new ShareGone("expired");
  if (opened.maxAccessCount > 0) await countAgainstSecret(services, state, accessor, opened.maxAccessCount, metadata);
  await notifyShareAccessed(services, state, { accessCount: accessed.data.access_count, by: accessor, ip: access.ip });
  return {
    shareId, secretId: state.secretId, path: state.path, type: opened.type, version: state.version, value: opened.value,
    accessCount: accessed.data.access_count, maxAccessCount: state.maxAccessCount,
  };
}

/**
 * Counts a read through the share against the secret's own max_access_count, at the exact revision of its
 * reads stream (so the secret's limit holds across direct reads and every share). It comes after the share's
 * own access is recorded: a share read refused by the share never spends one of the secret's reads. When the
 * secret is used up in between, the share's access stays recorded and no value leaves (fail closed).
 */
async function countAgainstSecret(
  services: ShareServices, share: ShareDetails, reader: Actor | null, maxAccessCount: number, metadata: EventMetadata,
): Promise<void> {
  try {
    await services.bus.handle(secretReadsAggregate, share.secretId, {
      type: "RecordSharedSecretRead", secretId: share.secretId, vaultId: share.vaultId, orgId: share.orgId, path: share.path,
      version: share.version, maxAccessCount, shareId: share.shareId, reader,
    }, { metadata, readYourWrites: false });
  } catch (error) {
    if (error instanceof SecretGone) throw new ShareGone("secret unreadable");
    throw new ReadNotAudited({ cause: error });
  }
}

async function decideOnShare(services: ShareServices, caller: Caller, shareId: string, command: ShareCommand): Promise<void> {
  if (!isUuid(shareId)) throw new ShareNotFound();
  await services.bus.handle(shareAggregate, shareId, command, { metadata: caller.metadata });
}

export const acceptShare = (services: ShareServices, caller: Caller, shareId: string) =>
  decideOnShare(services, caller, shareId, { type: "AcceptShare", by: actorOf(caller.principal) });

export const declineShare = (services: ShareServices, caller: Caller, shareId: string) =>
  decideOnShare(services, caller, shareId, { type: "DeclineShare", by: actorOf(caller.principal) });

export const revokeShare = (services: ShareServices, caller: Caller, shareId: string) =>
  decideOnShare(services, caller, shareId, { type: "RevokeShare", by: actorOf(caller.principal) });
