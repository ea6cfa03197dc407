/**
 * An access token's life: issued once, revoked at most once. Revoking twice is a no-op (the caller's intent
 * already holds), so `DELETE /v1/auth/token` is idempotent.
 */
import { AccessTokenIssued, AccessTokenRevoked, readAccessTokenEvent, type AccessTokenEvent } from "../events/access-token.js";
import { defineAggregate } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { Conflict } from "./errors.js";

export interface TokenSubject {
  tokenId: string;
  subjectType: "user" | "agent";
  subjectId: string;
  orgId: string;
  expiresAt: Date;
}

export type AccessTokenCommand =
  | ({ type: "IssueAccessToken"; method?: string } & TokenSubject)
  | ({ type: "RevokeAccessToken" } & TokenSubject);

export type AccessTokenState =
  | { status: "absent" }
  | { status: "issued" }
  | { status: "revoked" };

export class AccessTokenAlreadyIssued extends Conflict {
  constructor(readonly tokenId: string) {
    super(`access token ${tokenId} was already issued`);
    this.name = "AccessTokenAlreadyIssued";
  }
}

function subjectData(command: TokenSubject) {
  return {
    token_id: command.tokenId,
    subject_type: command.subjectType,
    subject_id: command.subjectId,
    org_id: command.orgId,
    expires_at: command.expiresAt.toISOString(),
  };
}

export const accessTokenDecider: Decider<AccessTokenCommand, AccessTokenState, AccessTokenEvent> = {
  initialState: { status: "absent" },
  evolve(state, event) {
    switch (event.type) {
      case "AccessTokenIssued": return { status: "issued" };
      case "AccessTokenRevoked": return { status: "revoked" };
      default: return state;
    }
  },
  decide(command, state, now) {
    switch (command.type) {
      case "IssueAccessToken":
        // Token ids are fresh UUIDs; a second issuance under one id would be a bug, not a retry.
        if (state.status !== "absent") throw new AccessTokenAlreadyIssued(command.tokenId);
        return [AccessTokenIssued.of({ ...subjectData(command), ...(command.method && { method: command.method }) })];
      case "RevokeAccessToken":
        if (state.status === "revoked") return [];
        return [AccessTokenRevoked.of({ ...subjectData(command), revoked_at: now.toISOString() })];
    }
  },
};

export const accessTokenAggregate = defineAggregate("access_token", accessTokenDecider, readAccessTokenEvent);
