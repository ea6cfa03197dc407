/** The RFC 7807 error envelope every error answer carries. */
import { z } from "zod";

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    /** The OAuth error code, on the answers of OAuth endpoints (the device login's token poll). */
    error: z.string().optional(),
  })
  .meta({ id: "ProblemDetails", description: "RFC 7807 error envelope" });

export type Problem = z.infer<typeof ProblemSchema>;
