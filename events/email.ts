/** Ownership of an email address: one account per address, made exact by the stream's expected revision. */
import { z } from "zod";
import { defineEvent, eventReader, type EventsOf } from "./define.js";

export const EmailClaimed = defineEvent("EmailClaimed", z.object({ email: z.string(), user_id: z.uuid() }));
export const EmailReleased = defineEvent("EmailReleased", z.object({ user_id: z.uuid() }));

export const emailEvents = [EmailClaimed, EmailReleased] as const;
export type EmailEvent = EventsOf<typeof emailEvents>;
export const readEmailEvent = eventReader(emailEvents);
