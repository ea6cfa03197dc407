/** Every error kind becomes an `isError` tool result that says what to do, after the seeds' error table. */
import { expect } from "chai";
import { errorResult } from "../../src/mcp/errors.js";
import type { ApiError } from "../../src/sdk/index.js";

const text = (error: ApiError, status: number) => {
  const result = errorResult({ error, meta: { status } }, "http://vault.test");
  expect(result.isError).to.equal(true);
  return (result.content as Array<{ text: string }>)[0].text;
};

describe("MCP tool results for API errors", () => {
  const cases: Array<[ApiError, number, RegExp]> = [
    [{ type: "not_found", message: "secret not found", detail: "secret not found" }, 404, /secret not found.*Check the path with list_secrets/],
    [{ type: "auth_error", message: "no policy grants read" }, 403, /Access denied: no policy grants read.*ask your human for a policy/i],
    [{ type: "auth_error", message: "invalid agent key" }, 401, /Not authenticated.*agent's key/],
    [{ type: "gone", message: "max_access_count reached" }, 410, /Gone.*ask your human to store a new version/],
    [{ type: "payment_required", message: "Quota exhausted" }, 402, /Quota exhausted.*Tell your human; do not retry/],
    [{ type: "resource_limit_exceeded", message: "3 of 3 vaults" }, 403, /Resource limit reached: 3 of 3 vaults.*upgrade/],
    [{ type: "approval_required", message: "needs approval" }, 403, /Approval required/],
    [{ type: "rate_limit", message: "slow down", retry_after: 42 }, 429, /Rate limited.*Wait 42 seconds/],
    [{ type: "validation_error", message: "body.name: too short" }, 400, /Invalid request: body.name: too short/],
    [{ type: "conflict", message: "name taken" }, 409, /Conflict: name taken/],
    [{ type: "payload_too_large", message: "over 5 MB" }, 413, /Too large/],
    [{ type: "network_error", message: "refused" }, 0, /not reachable at http:\/\/vault.test.*Try again later/],
    [{ type: "server_error", message: "retry later" }, 503, /\(503\).*Try again later/],
    [{ type: "unknown", message: "teapot" }, 418, /\(418\): teapot/],
  ];
  for (const [error, status, says] of cases) {
    it(`${status} ${error.type}`, () => expect(text(error, status)).to.match(says));
  }
});
