/** Wire schemas of customer-managed keys: `/v1/vaults/{vault_id}/cmek` and `…/cmek-rotate`. */
import { z } from "zod";
import { CmekFingerprintSchema } from "../../events/vault.js";

export const EnableCmekRequest = z.object({
  /** SHA-256 of the customer's 32-byte key, lowercase hex. */
  fingerprint: CmekFingerprintSchema,
}).meta({ id: "EnableCmekRequest" });

/** The keys travel in the headers `x-cmek-old-key` and `x-cmek-new-key` (base64, 32 bytes each), never in the body. */
export const CmekRotateRequest = z.object({
  new_fingerprint: CmekFingerprintSchema,
}).meta({ id: "CmekRotateRequest" });

export const CmekRotationJobResponse = z.object({
  id: z.uuid(),
  vault_id: z.uuid(),
  old_fingerprint: z.string(),
  new_fingerprint: z.string(),
  /** Keyledger adds `paused`: the server restarted and waits for the keys to be posted again. */
  status: z.enum(["pending", "running", "paused", "completed", "failed"]),
  total_secrets: z.number().int(),
  processed: z.number().int(),
  error: z.string().optional(),
  started_at: z.string().optional(),
  completed_at: z.string().optional(),
  created_at: z.string(),
}).meta({ id: "CmekRotationJobResponse" });

export const CmekVaultParams = z.object({ vault_id: z.string() });
export const CmekJobParams = z.object({ vault_id: z.string(), job_id: z.string() });
