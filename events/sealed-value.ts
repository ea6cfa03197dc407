/** A value sealed by envelope encryption (src/keys/envelope.ts), as it is stored in events. */
import { z } from "zod";

export const SealedValueSchema = z.object({
  alg: z.literal("A256GCM+DEK-wrapped/v1"),
  kekId: z.string(),
  wrappedKey: z.string(),
  iv: z.string(),
  ciphertext: z.string(),
  tag: z.string(),
});
