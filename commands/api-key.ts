/**
 * A personal API key's life: created for one user, revoked by that user. The key material is generated
 * outside (random bytes, hashed) and comes in with the command; the decider sees only the hash.
 */
import { ApiKeyCreated, ApiKeyRevoked, readApiKeyEvent, type ApiKeyEvent } from "../events/api-key.js";
import { defineAggregate } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { Conflict, Invalid, NotFound } from "./errors.js";

export type ApiKeyCommand =
  | {
    type: "CreateApiKey";
    keyId: string;
    userId: string;
    orgId: string;
    name: string;
    keyPrefix: string;
    keyHash: string;
    scopes: string[];
    expiresAt?: Date;
  }
  | { type: "RevokeApiKey"; keyId: string; userId: string };

export type ApiKeyState =
  | { status: "absent" }
  | { status: "active" | "revoked"; userId: string };

export class ApiKeyNotFound extends NotFound {
  constructor(readonly keyId: string) {
    super("the API key does not exist");
    this.name = "ApiKeyNotFound";
  }
}

export class ApiKeyExpiryInPast extends Invalid {
  constructor() {
    super("expires_at must be in the future");
    this.name = "ApiKeyExpiryInPast";
  }
}

export class ApiKeyIdTaken extends Conflict {
  constructor(readonly keyId: string) {
    super(`API key ${keyId} already exists`);
    this.name = "ApiKeyIdTaken";
  }
}

export const apiKeyDecider: Decider<ApiKeyCommand, ApiKeyState, ApiKeyEvent> = {
  initialState: { status: "absent" },
  evolve(state, event) {
    switch (event.type) {
      case "ApiKeyCreated": return { status: "active", userId: event.data.user_id };
      case "ApiKeyRevoked": return state.status === "absent" ? state : { ...state, status: "revoked" };
      default: return state;
    }
  },
  decide(command, state, now) {
    switch (command.type) {
      case "CreateApiKey":
        if (state.status !== "absent") throw new ApiKeyIdTaken(command.keyId);
        if (command.expiresAt && command.expiresAt <= now) throw new ApiKeyExpiryInPast();
        return [ApiKeyCreated.of({
          key_id: command.keyId,
          user_id: command.userId,
          org_id: command.orgId,
          name: command.name,
          key_prefix: command.keyPrefix,
          key_hash: command.keyHash,
          scopes: command.scopes,
          ...(command.expiresAt && { expires_at: command.expiresAt.toISOString() }),
          created_at: now.toISOString(),
        })];
      case "RevokeApiKey":
        // Someone else's key answers as absent: its existence is not the caller's business.
        if (state.status === "absent" || state.userId !== command.userId) throw new ApiKeyNotFound(command.keyId);
        if (state.status === "revoked") return [];
        return [ApiKeyRevoked.of({ key_id: command.keyId, user_id: command.userId, revoked_at: now.toISOString() })];
    }
  },
};

export const apiKeyAggregate = defineAggregate("api_key", apiKeyDecider, readApiKeyEvent);
