/** Wire schemas of `/v1/vaults`. */
import { z } from "zod";

export const CreateVaultRequest = z.object({
  name: z.string().trim().min(1, "must not be empty").max(128),
  description: z.string().max(1024).optional(),
}).meta({ id: "CreateVaultRequest" });

export const VaultResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string().optional(),
  created_by: z.string(),
  created_by_type: z.enum(["user", "agent"]),
  created_at: z.string(),
  /** Keyledger: the organisation's system vault for agents' identity keys. */
  system: z.boolean(),
  /** Whether client-side (customer-managed) encryption is on. */
  cmek_enabled: z.boolean(),
  /** SHA-256 fingerprint of the customer key in force (64 hex characters). */
  cmek_fingerprint: z.string().optional(),
}).meta({ id: "VaultResponse" });

export const VaultListResponse = z.object({ vaults: z.array(VaultResponse) }).meta({ id: "VaultListResponse" });
export const VaultIdParams = z.object({ vault_id: z.string() });
