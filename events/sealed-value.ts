/**
 * A value sealed by envelope encryption (src/keys/envelope.ts), as it is stored in events: JSON-safe,
 * base64 fields. Secret versions and a user's TOTP secret are stored this way.
 */
import { z } from "zod";

export const SEALED_VALUE_ALGORITHM = "A256GCM+DEK-wrapped/v1";

export const SealedValueSchema = z.object({
  alg: z.literal(SEALED_VALUE_ALGORITHM),
  kekId: z.string(),
  /** The DEK wrapped by the KEK (provider format). */
  wrappedKey: z.string(),
  iv: z.string(),
  ciphertext: z.string(),
  tag: z.string(),
});

export type SealedValue = z.output<typeof SealedValueSchema>;
