/** Where each human-side aggregate lives, and loading one for a read-only decision. */
import { createHash } from "node:crypto";
import { fold, type Decider, type DomainEvent } from "../../commands/decider.js";
import type { EventReader } from "../app/command-bus.js";
import { streamName, type EventStore } from "../eventstore/port.js";

export const userStream = (userId: string) => streamName("user", userId);
export const orgStream = (orgId: string) => streamName("org", orgId);
export const signupStream = (signupId: string) => streamName("signup", signupId);
export const loginStream = (userId: string) => streamName("login", userId);

/** Addresses are compared trimmed and lower-cased. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** One stream per address, named by a UUID-shaped digest of it (stream names hold no addresses). */
export function emailStream(email: string): string {
  const hex = createHash("sha256").update(normaliseEmail(email)).digest("hex");
  return streamName("email", `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`);
}

/** The current state of an aggregate, for checks that record nothing. */
export async function loadState<State, Event extends DomainEvent>(
  store: EventStore, stream: string, decider: Decider<never, State, Event>, read: EventReader<Event>,
): Promise<State> {
  return fold(decider, (await store.readStream(stream)).map(read));
}
