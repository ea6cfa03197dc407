/**
 * The device login flow (RFC 8628) over the device-login decider: hand out a code pair, turn polls into
 * the RFC's answers, and let a signed-in human look up, approve or deny a user code.
 */
import { createHash, randomInt, randomUUID } from "node:crypto";
import {
  AuthorizationPending, DeviceCodeInvalid, deviceLoginAggregate, SlowDown, UserCodeInUse, UserCodeNotFound,
  type DeviceLoginCommand, type DeviceLoginState,
} from "../../commands/device-login.js";
import { loadAggregate } from "../app/aggregates.js";
import type { Services } from "../app/services.js";
import { issueAccessToken, USER_TOKEN_TTL_SECONDS } from "../auth/issue.js";
import type { UserPrincipal } from "../auth/principal.js";
import type { EventMetadata } from "../eventstore/port.js";
import { newBearerSecret, parseBearerSecret } from "./one-time-secrets.js";
import { findUserById } from "./queries.js";

export const DEVICE_CODE_TTL_SECONDS = 600;
export const DEVICE_POLL_INTERVAL_SECONDS = 5;

/** RFC 8628 §6.1: consonants only (no vowels, so no words), easy to read aloud; 20^8 ≈ 2.6e10 codes. */
const USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";
const USER_CODE_LENGTH = 8;

type DeviceServices = Pick<Services, "bus" | "store" | "db" | "tokens" | "clock">;

/** `BCDF-GHJK`; what people type is compared upper-cased, without dashes or spaces. */
export function normaliseUserCode(input: string): string | undefined {
  const code = input.toUpperCase().replace(/[\s-]/g, "");
  return code.length === USER_CODE_LENGTH && [...code].every((c) => USER_CODE_ALPHABET.includes(c)) ? code : undefined;
}

function newUserCode(): string {
  return Array.from({ length: USER_CODE_LENGTH }, () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]).join("");
}

const display = (code: string) => `${code.slice(0, 4)}-${code.slice(4)}`;

/** One aggregate per user code, its id a UUID-shaped digest of the code (so the code itself is stored nowhere). */
export function deviceLoginId(userCode: string): string {
  const hex = createHash("sha256").update(`device-login:${userCode}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

async function run(services: DeviceServices, id: string, command: DeviceLoginCommand, metadata: EventMetadata) {
  // Only the audit log shows these events, and there a moment late is fine: no need to wait for the projections.
  return services.bus.handle(deviceLoginAggregate, id, command, { metadata, readYourWrites: false });
}

const load = (services: DeviceServices, id: string): Promise<DeviceLoginState> => loadAggregate(services.store, deviceLoginAggregate, id);

export interface DeviceCodeGrant {
  deviceCode: string;
  userCode: string;
  expiresIn: number;
  interval: number;
}

export async function requestDeviceLogin(services: DeviceServices, clientId: string, metadata: EventMetadata): Promise<DeviceCodeGrant> {
  const grantId = randomUUID();
  for (;;) {
    const userCode = newUserCode();
    const id = deviceLoginId(userCode);
    // The device code names the aggregate and the grant, so a poll needs no lookup; its secret proves possession.
    const { token, secretHash } = newBearerSecret(id, grantId);
    try {
      await run(services, id, { type: "RequestDeviceLogin", grantId, clientId, deviceSecretHash: secretHash,
        expiresAt: new Date(services.clock().getTime() + DEVICE_CODE_TTL_SECONDS * 1000),
        intervalSeconds: DEVICE_POLL_INTERVAL_SECONDS }, metadata);
      return { deviceCode: token, userCode: display(userCode), expiresIn: DEVICE_CODE_TTL_SECONDS, interval: DEVICE_POLL_INTERVAL_SECONDS };
    } catch (error) {
      if (!(error instanceof UserCodeInUse)) throw error;
    }
  }
}

export interface DeviceSignedIn {
  accessToken: string;
  expiresIn: number;
  userId: string;
  orgId: string;
  email?: string;
}

/** One poll: the token once approved (and never again), else the RFC's error for where the grant stands. */
export async function pollDeviceLogin(services: DeviceServices, deviceCode: string, metadata: EventMetadata): Promise<DeviceSignedIn> {
  const parsed = parseBearerSecret(deviceCode, 2);
  if (!parsed) throw new DeviceCodeInvalid();
  const [id, grantId] = parsed.ids;
  // An approved grant's completion belongs to the approver's organisation's audit log.
  const { grant } = await load(services, id);
  const approver = grant?.grantId === grantId && grant.status === "approved"
    ? { actor: { type: "user", id: grant.userId! }, org_id: grant.orgId! } : {};
  const { events } = await run(services, id,
    { type: "PollDeviceLogin", grantId, presentedSecretHash: parsed.secretHash }, { ...metadata, ...approver });
  const outcome = events[0];
  if (outcome?.type === "DeviceLoginPolled") {
    throw outcome.data.outcome === "slow_down" ? new SlowDown(outcome.data.interval_seconds) : new AuthorizationPending();
  }
  if (outcome?.type !== "DeviceLoginCompleted") throw new DeviceCodeInvalid();
  const { user_id: userId, org_id: orgId } = outcome.data;
  const who = { ...metadata, actor: { type: "user", id: userId }, org_id: orgId };
  const issued = await issueAccessToken(services, { type: "user", id: userId, orgId }, { method: "device" }, USER_TOKEN_TTL_SECONDS, who);
  const user = await findUserById(services.db, userId);
  return { accessToken: issued.token, expiresIn: issued.expiresIn, userId, orgId, email: user?.email };
}

export interface DeviceLoginView {
  userCode: string;
  clientId: string;
  status: "pending" | "approved" | "denied" | "completed" | "expired";
  expiresAt: Date;
}

function grantOf(state: DeviceLoginState) {
  if (!state.grant) throw new UserCodeNotFound();
  return state.grant;
}

/** What a human about to approve a code sees: which client asks, and whether it is still waiting. */
export async function describeDeviceLogin(services: DeviceServices, userCodeInput: string): Promise<DeviceLoginView> {
  const userCode = normaliseUserCode(userCodeInput);
  if (!userCode) throw new UserCodeNotFound();
  const grant = grantOf(await load(services, deviceLoginId(userCode)));
  const expired = grant.expiresAt <= services.clock() && grant.status !== "completed" && grant.status !== "denied";
  return { userCode: display(userCode), clientId: grant.clientId, status: expired ? "expired" : grant.status, expiresAt: grant.expiresAt };
}

export async function decideDeviceLogin(services: DeviceServices, user: UserPrincipal, userCodeInput: string,
  decision: "approve" | "deny", metadata: EventMetadata): Promise<void> {
  const userCode = normaliseUserCode(userCodeInput);
  if (!userCode) throw new UserCodeNotFound();
  const command: DeviceLoginCommand = decision === "approve"
    ? { type: "ApproveDeviceLogin", userId: user.id, orgId: user.orgId }
    : { type: "DenyDeviceLogin", userId: user.id };
  await run(services, deviceLoginId(userCode), command, metadata);
}
