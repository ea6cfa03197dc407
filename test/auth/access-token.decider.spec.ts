import { AccessTokenAlreadyIssued, accessTokenDecider, type AccessTokenCommand } from "../../commands/access-token.js";
import { AccessTokenIssued, AccessTokenRevoked } from "../../events/access-token.js";
import { specFor } from "../support/decider.js";

const { given } = specFor(accessTokenDecider, () => new Date("2026-01-01T00:10:00Z"));

const subject = {
  tokenId: "0b0f4c1e-8a47-4d8e-9a51-5a3f3c3b2a10",
  subjectType: "agent" as const,
  subjectId: "7d6c1f5e-3b2a-4c9d-8e7f-1a2b3c4d5e6f",
  orgId: "4f3e2d1c-0b9a-4876-9543-210fedcba987",
  expiresAt: new Date("2026-01-01T01:00:00Z"),
};
const data = {
  token_id: subject.tokenId, subject_type: subject.subjectType, subject_id: subject.subjectId,
  org_id: subject.orgId, expires_at: "2026-01-01T01:00:00.000Z",
};
const issue: AccessTokenCommand = { type: "IssueAccessToken", method: "agent_key", ...subject };
const revoke: AccessTokenCommand = { type: "RevokeAccessToken", ...subject };
const issued = AccessTokenIssued.of({ ...data, method: "agent_key" });
const revoked = AccessTokenRevoked.of({ ...data, revoked_at: "2026-01-01T00:10:00.000Z" });

describe("access token decider", () => {
  it("records an issuance with the token's id, subject and expiry", () =>
    given().when(issue).then(issued));

  it("refuses a second issuance under the same token id", () =>
    given(issued).when(issue).thenThrows(AccessTokenAlreadyIssued));

  it("records the revocation of an issued token", () =>
    given(issued).when(revoke).then(revoked));

  it("revokes a token only once: a repeated revocation is a no-op", () =>
    given(issued, revoked).when(revoke).then());
});
