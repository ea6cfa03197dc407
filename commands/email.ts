/** One account per email address: the address's own stream says who holds it. */
import { EmailClaimed, EmailReleased, readEmailEvent, type EmailEvent } from "../events/email.js";
import { defineAggregate } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { Conflict } from "./errors.js";

export type EmailCommand =
  | { type: "ClaimEmail"; email: string; userId: string }
  | { type: "ReleaseEmail"; userId: string };

export type EmailState = { status: "free" } | { status: "claimed"; userId: string };

export class EmailTaken extends Conflict {
  constructor() { super("an account with this email address already exists"); this.name = "EmailTaken"; }
}

export const initialState: EmailState = { status: "free" };

export function evolve(_state: EmailState, event: EmailEvent): EmailState {
  switch (event.type) {
    case "EmailClaimed": return { status: "claimed", userId: event.data.user_id };
    case "EmailReleased": return { status: "free" };
  }
}

export function decide(command: EmailCommand, state: EmailState): EmailEvent[] {
  switch (command.type) {
    case "ClaimEmail":
      if (state.status === "claimed") {
        if (state.userId === command.userId) return [];
        throw new EmailTaken();
      }
      return [EmailClaimed.of({ email: command.email, user_id: command.userId })];
    case "ReleaseEmail":
      return state.status === "claimed" && state.userId === command.userId
        ? [EmailReleased.of({ user_id: command.userId })] : [];
  }
}

export const emailDecider: Decider<EmailCommand, EmailState, EmailEvent> = { initialState, evolve, decide };

export const emailAggregate = defineAggregate("email", emailDecider, readEmailEvent);
