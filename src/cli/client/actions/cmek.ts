/**
 * `vault cmek-keygen|cmek-enable|cmek-disable|cmek-rotate`: customer-managed keys. A rotation is followed
 * until it ends, with its progress on stderr (one updating line on a terminal, a line per step otherwise).
 */
import { cmekFingerprint, toBase64 } from "../../../sdk/cmek.js";
import type { CmekRotationJobResponse } from "../../../sdk/types.js";
import { readCmekKeyFile, writeNewCmekKeyFile } from "../cmek-key-file.js";
import type { Context } from "../context.js";
import { requireCredential, unwrap } from "../session.js";
import { VaultsResource } from "../../../sdk/resources/vaults.js";

export async function generateKey(ctx: Context, file: string): Promise<void> {
  const fingerprint = await cmekFingerprint(await writeNewCmekKeyFile(file));
  if (ctx.out.json) return ctx.out.printJson({ file, fingerprint });
  ctx.out.success(`new key written to ${file} (keep it safe: without it, CMEK values cannot be read)`);
  ctx.out.record({ fingerprint }, [["Fingerprint", fingerprint]]);
}

export async function enableCmek(ctx: Context, vaultId: string, options: { keyFile: string }): Promise<void> {
  requireCredential(ctx.session);
  const fingerprint = await cmekFingerprint(await readCmekKeyFile(options.keyFile));
  const vault = await unwrap(new VaultsResource(ctx.session.http).enableCmek(vaultId, fingerprint));
  if (!ctx.out.json) ctx.out.success(`customer-managed encryption enabled on ${vault.name}`);
  ctx.out.record(vault, [["ID", vault.id], ["Name", vault.name], ["CMEK fingerprint", vault.cmek_fingerprint]]);
}

export async function disableCmek(ctx: Context, vaultId: string): Promise<void> {
  requireCredential(ctx.session);
  const vault = await unwrap(new VaultsResource(ctx.session.http).disableCmek(vaultId));
  if (!ctx.out.json) ctx.out.success(`customer-managed encryption disabled on ${vault.name} (existing values stay encrypted)`);
  ctx.out.record(vault, [["ID", vault.id], ["Name", vault.name], ["CMEK", "off"]]);
}

function progressLine(job: CmekRotationJobResponse): string {
  const percent = job.total_secrets === 0 ? 100 : Math.min(100, Math.floor((job.processed * 100) / job.total_secrets));
  const width = 30;
  const filled = Math.round((percent * width) / 100);
  return `rotating [${"#".repeat(filled)}${".".repeat(width - filled)}] ${job.processed}/${job.total_secrets} secrets ${percent}% ${job.status}`;
}

export async function rotateCmek(ctx: Context, vaultId: string,
  options: { oldKeyFile: string; newKeyFile: string; wait: boolean; interval: string }): Promise<void> {
  requireCredential(ctx.session);
  const [oldKey, newKey] = await Promise.all([readCmekKeyFile(options.oldKeyFile), readCmekKeyFile(options.newKeyFile)]);
  const vaults = new VaultsResource(ctx.session.http);
  let job = await unwrap(vaults.rotateCmek(vaultId, toBase64(oldKey), toBase64(newKey), await cmekFingerprint(newKey)));
  oldKey.fill(0);
  newKey.fill(0);
  if (options.wait) {
    const intervalMs = Math.max(100, Number(options.interval) || 1000);
    let shown = "";
    for (;;) {
      const line = progressLine(job);
      if (line !== shown) ctx.out.progress(line);
      shown = line;
      if (job.status !== "running" && job.status !== "pending") break;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      job = await unwrap(vaults.getCmekRotationJob(vaultId, job.id));
    }
    ctx.out.progressDone();
  }
  if (!ctx.out.json) {
    if (job.status === "completed") ctx.out.success(`rotation ${job.id} completed: ${job.processed} secrets on the new key`);
    else if (job.status === "failed") ctx.out.warn(`rotation ${job.id} failed: ${job.error ?? "no reason given"}`);
    else if (job.status === "paused") ctx.out.warn(`rotation ${job.id} is paused (${job.error ?? ""}): run this command again to resume`);
  }
  ctx.out.record(job, [["Job", job.id], ["Status", job.status], ["Processed", `${job.processed}/${job.total_secrets}`],
    ["New fingerprint", job.new_fingerprint], ["Error", job.error]]);
  if (job.status === "failed") process.exitCode = 1;
}
