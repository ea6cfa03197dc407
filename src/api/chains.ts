/**
 * Wire schemas of the chain registry (`/v1/chains`), as the reference spec defines them. The server does
 * not serve these routes yet (issue 13).
 */
import { z } from "zod";

export const ChainResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  display_name: z.string(),
  chain_id: z.number().int(),
  rpc_url: z.string().optional(),
  ws_url: z.string().optional(),
  explorer_url: z.string().optional(),
  native_currency: z.string(),
  is_testnet: z.boolean(),
  is_enabled: z.boolean(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
}).meta({ id: "ChainResponse" });

export const ChainListResponse = z.object({ chains: z.array(ChainResponse) }).meta({ id: "ChainListResponse" });
