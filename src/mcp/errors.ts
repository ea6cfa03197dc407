/**
 * API errors as tool results an agent can act on: what happened (the server's detail, which never holds a
 * value) and what to do next, after the seeds' error table.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { ApiError, OneclawResponse } from "../sdk/index.js";

function advice(error: ApiError, status: number, baseUrl: string): string {
  const detail = error.detail ?? error.message;
  switch (error.type) {
    case "not_found": return `Not found: ${detail}. Check the path with list_secrets (or the vault with list_vaults).`;
    case "gone": return `Gone: ${detail}. The secret expired, was disabled or its reads ran out; ask your human to store a new version.`;
    case "resource_limit_exceeded": return `Resource limit reached: ${detail}. Ask your human to upgrade the plan.`;
    case "approval_required": return `Approval required: ${detail}. Ask your human to approve the request.`;
    case "auth_error":
      return status === 401
        ? `Not authenticated: ${detail}. The agent's credentials were refused; ask your human to check the agent's key.`
        : `Access denied: ${detail}. Ask your human for a policy that grants you this (they can use grant_access).`;
    case "payment_required": return `Quota exhausted or payment required: ${detail}. Tell your human; do not retry.`;
    case "rate_limit":
      return `Rate limited: ${detail}. Wait ${error.retry_after ?? 60} seconds before retrying.`;
    case "validation_error": return `Invalid request: ${detail}. Check the arguments.`;
    case "conflict": return `Conflict: ${detail}. It may already exist (list_vaults / list_secrets), or retry.`;
    case "payload_too_large": return `Too large: ${detail}. Store a smaller value.`;
    case "network_error": return `Keyledger is not reachable at ${baseUrl}: ${error.message}. Try again later.`;
    case "server_error": return `Keyledger could not complete the request (${status}): ${detail}. Try again later.`;
    default: return `The request failed (${status}): ${detail}.`;
  }
}

export function errorResult(answer: Pick<OneclawResponse<unknown>, "error" | "meta">, baseUrl: string): CallToolResult {
  const error = answer.error ?? { type: "unknown", message: "no answer" };
  return { isError: true, content: [{ type: "text", text: advice(error, answer.meta.status, baseUrl) }] };
}

export function textResult(text: string): CallToolResult {
  return { content: [{ type: "text", text }] };
}

export function jsonResult(value: unknown): CallToolResult {
  return textResult(JSON.stringify(value, null, 2));
}

export function failure(text: string): CallToolResult {
  return { isError: true, content: [{ type: "text", text }] };
}
