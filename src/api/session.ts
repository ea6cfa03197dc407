/** Wire schemas of the dashboard's cookie session (`/v1/auth/session`): the token itself never crosses here. */
import { z } from "zod";

export const SessionResponse = z.object({
  signed_in: z.literal(true),
  /** Send back in `X-CSRF-Token` on every state-changing request of this session. */
  csrf_token: z.string(),
  expires_in: z.number().int(),
  user_id: z.string(),
  email: z.string(),
});

export const SessionLoginResponse = z.union([
  SessionResponse,
  z.object({ mfa_required: z.literal(true), mfa_token: z.string() }),
]);

/** `GET /v1/auth/session` answers 200 either way: a signed-out visitor is not an error to the dashboard. */
export const SessionStateResponse = z.union([SessionResponse, z.object({ signed_in: z.literal(false) })]);

export const SessionConfigResponse = z.object({
  /** The OAuth client id for "Sign in with Google"; absent when Google sign-in is off. */
  google_client_id: z.string().optional(),
});
