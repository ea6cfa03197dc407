/** Who did something: a human user or an agent, as events record it and deciders compare it. */
import { z } from "zod";

export const ActorSchema = z.object({ type: z.enum(["user", "agent"]), id: z.uuid() });

export type Actor = { type: "user" | "agent"; id: string };
