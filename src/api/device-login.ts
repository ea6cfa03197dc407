/** Wire schemas of the device login (RFC 8628): `/v1/auth/device/*`. */
import { z } from "zod";

export const DEVICE_CODE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code";

/** 1claw's spec requires `email`; its CLI sends only `client_id`, so both are optional here. */
export const DeviceCodeRequest = z.object({
  client_id: z.string().trim().min(1).max(200).default("cli"),
  email: z.string().max(320).optional(),
}).meta({ id: "DeviceCodeRequest" });

export const DeviceCodeResponse = z.object({
  device_code: z.string(),
  user_code: z.string(),
  verification_uri: z.string(),
  verification_uri_complete: z.string(),
  expires_in: z.number().int(),
  interval: z.number().int(),
}).meta({ id: "DeviceCodeResponse" });

export const DeviceTokenRequest = z.object({
  device_code: z.string().max(300),
  grant_type: z.literal(DEVICE_CODE_GRANT_TYPE).default(DEVICE_CODE_GRANT_TYPE),
}).meta({ id: "DeviceTokenRequest" });

export const DeviceTokenResponse = z.object({
  access_token: z.string(),
  token_type: z.literal("Bearer"),
  expires_in: z.number().int(),
  user_id: z.uuid(),
  org_id: z.uuid(),
  email: z.string().optional(),
}).meta({ id: "DeviceTokenResponse" });

export const DeviceUserCodeParams = z.object({ user_code: z.string().max(32) });
export const DeviceDecisionRequest = z.object({ user_code: z.string().max(32) }).meta({ id: "DeviceDecisionRequest" });

export const DeviceLoginStatusResponse = z.object({
  user_code: z.string(),
  client_id: z.string(),
  status: z.enum(["pending", "approved", "denied", "completed", "expired"]),
  expires_at: z.string(),
}).meta({ id: "DeviceLoginStatusResponse" });
