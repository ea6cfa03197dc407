/** `share create|list|accept|decline|revoke`, with the 1claw CLI's `--to user:<id>|agent:<id>|<email>` and `--link`. */
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { requireCredential, unwrap } from "../session.js";
import { SharingResource } from "../../../sdk/resources/sharing.js";

export interface ShareCreateOptions {
  to?: string;
  link?: boolean;
  expires?: string;
  maxAccess?: string;
  passphrase?: string;
}

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** An ISO date, or a duration from now: `30m`, `12h`, `7d`. */
export function expiryFrom(text: string, now = Date.now()): string {
  const duration = /^(\d+)([mhd])$/.exec(text);
  if (duration) return new Date(now + Number(duration[1]) * UNITS[duration[2]]).toISOString();
  if (Number.isNaN(Date.parse(text))) throw new UsageError("--expires takes an ISO date or a duration such as 30m, 12h, 7d");
  return new Date(text).toISOString();
}

function recipient(options: ShareCreateOptions) {
  if (options.link || !options.to) return { recipient_type: "anyone_with_link" as const };
  const to = options.to;
  if (to.startsWith("user:")) return { recipient_type: "user" as const, recipient_id: to.slice(5) };
  if (to.startsWith("agent:")) return { recipient_type: "agent" as const, recipient_id: to.slice(6) };
  if (to.includes("@")) return { recipient_type: "external_email" as const, email: to };
  return { recipient_type: "user" as const, recipient_id: to };
}

export async function createShare(ctx: Context, secretId: string, options: ShareCreateOptions): Promise<void> {
  requireCredential(ctx.session);
  const maxAccess = options.maxAccess === undefined ? undefined : Number(options.maxAccess);
  if (maxAccess !== undefined && !Number.isInteger(maxAccess)) throw new UsageError("--max-access takes a whole number");
  const share = await unwrap(new SharingResource(ctx.session.http).create(secretId, {
    ...recipient(options), expires_at: expiryFrom(options.expires ?? "7d"),
    ...(maxAccess !== undefined && { max_access_count: maxAccess }), ...(options.passphrase && { passphrase: options.passphrase }),
  }));
  if (!ctx.out.json) ctx.out.success("share created");
  ctx.out.record(share, [["ID", share.id], ["Recipient", share.recipient_email ?? share.recipient_id ?? share.recipient_type],
    ["Expires", share.expires_at], ["Max reads", share.max_access_count], ["URL", share.share_url]]);
}

export async function listShares(ctx: Context, options: { inbound?: boolean }): Promise<void> {
  requireCredential(ctx.session);
  const sharing = new SharingResource(ctx.session.http);
  const { shares } = await unwrap(options.inbound ? sharing.listInbound() : sharing.listOutbound());
  ctx.out.list(shares, shares.map((s) => ({ ...s, recipient: s.recipient_email ?? s.recipient_id ?? "link",
    access: `${s.access_count}/${s.max_access_count || "∞"}` })), [
    { key: "id", header: "id" }, { key: "secret_path", header: "secret" }, { key: "recipient_type", header: "type" },
    { key: "recipient", header: "recipient" }, { key: "status", header: "status" }, { key: "access", header: "reads" },
    { key: "expires_at", header: "expires" }]);
}

export async function decideShare(ctx: Context, id: string, action: "accept" | "decline" | "revoke"): Promise<void> {
  requireCredential(ctx.session);
  const sharing = new SharingResource(ctx.session.http);
  await unwrap(action === "accept" ? sharing.accept(id) : action === "decline" ? sharing.decline(id) : sharing.revoke(id));
  const done = { accept: "accepted", decline: "declined", revoke: "revoked" }[action];
  if (ctx.out.json) return ctx.out.printJson({ id, status: done });
  ctx.out.success(`share ${id} ${done}`);
}
