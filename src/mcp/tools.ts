/**
 * The MCP tools, with the seeds' names, parameters and guidance. Each one is a call of the SDK; API errors
 * become `isError` results that say what to do. `list_secrets` and `describe_secret` answer metadata only,
 * and no tool but `get_secret` / `get_env_bundle` ever answers a value, not even the one it was given.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { SECRET_TYPES } from "../api/secrets.js";
import type { KeyledgerClient, SecretMetadataResponse } from "../sdk/index.js";
import { errorResult, failure, jsonResult, textResult } from "./errors.js";
import { describeChoice, type VaultOutcome } from "./vault.js";
import { registerTransactionTools, TRANSACTION_TOOL_NAMES } from "./transaction-tools.js";

export interface ToolContext {
  client: KeyledgerClient;
  /** The vault the secret tools work in (discovered once). */
  vault: () => Promise<VaultOutcome>;
}

export const TOOL_NAMES = [
  "list_secrets", "get_secret", "put_secret", "delete_secret", "describe_secret", "rotate_and_store", "get_env_bundle",
  "create_vault", "list_vaults", "grant_access", "share_secret", ...TRANSACTION_TOOL_NAMES,
] as const;

const path = z.string().min(1).max(512).describe("Secret path, e.g. api-keys/stripe");
const isoInstant = z.iso.datetime({ offset: true });

/** What a listing or a description shows of a secret: never a value. */
function metadataOf(secret: SecretMetadataResponse) {
  return {
    id: secret.id, path: secret.path, type: secret.type, version: secret.version, metadata: secret.metadata,
    created_at: secret.created_at, ...(secret.expires_at && { expires_at: secret.expires_at }),
  };
}

export function registerTools(server: McpServer, { client, vault }: ToolContext): void {
  const baseUrl = client.baseUrl;

  /** Runs `act` in the chosen vault, or answers why there is none. */
  async function inVault(act: (vaultId: string) => Promise<CallToolResult>): Promise<CallToolResult> {
    const outcome = await vault();
    if (outcome.ok) return act(outcome.choice.vaultId);
    if ("failed" in outcome) return errorResult(outcome.failed, baseUrl);
    return failure(outcome.none);
  }

  server.registerTool("list_secrets", {
    description: "List the secrets in the vault: paths, types and versions, never values. Use it to discover " +
      "which credentials exist before guessing a path.",
    inputSchema: { prefix: z.string().max(512).optional().describe("Path prefix to filter by, e.g. api-keys/") },
    annotations: { readOnlyHint: true },
  }, ({ prefix }) => inVault(async (vaultId) => {
    const answer = await client.secrets.list(vaultId, prefix);
    if (!answer.data) return errorResult(answer, baseUrl);
    const outcome = await vault();
    const where = outcome.ok ? describeChoice(outcome.choice) : vaultId;
    return jsonResult({ vault: where, secrets: answer.data.secrets.map(metadataOf) });
  }));

  server.registerTool("get_secret", {
    description: "Fetch the decrypted value of a secret. Call it immediately before the API call that needs it. " +
      "Never store the value, repeat it to the user, or include it in summaries or other tools' arguments.",
    inputSchema: { path },
    annotations: { readOnlyHint: true },
  }, ({ path: secretPath }) => inVault(async (vaultId) => {
    const answer = await client.secrets.get(vaultId, secretPath);
    if (!answer.data) return errorResult(answer, baseUrl);
    const { type, version, value } = answer.data;
    return jsonResult({ path: answer.data.path, type, version, value });
  }));

  server.registerTool("put_secret", {
    description: "Store a new secret or update an existing one; each call creates a new version. The value is " +
      "sent to the vault and never echoed back.",
    inputSchema: {
      path,
      value: z.string().max(256 * 1024).describe("The secret value"),
      type: z.enum(SECRET_TYPES).default("api_key").describe(`One of: ${SECRET_TYPES.join(", ")}`),
      metadata: z.record(z.string(), z.unknown()).optional().describe("Arbitrary JSON metadata (no secrets in it)"),
      expires_at: isoInstant.optional().describe("ISO 8601 expiry"),
      max_access_count: z.number().int().min(0).optional().describe("Max reads before it is gone (0 = unlimited)"),
    },
  }, ({ path: secretPath, value, type, metadata, expires_at, max_access_count }) => inVault(async (vaultId) => {
    const answer = await client.secrets.set(vaultId, secretPath, value, { type, metadata, expires_at, max_access_count });
    if (!answer.data) return errorResult(answer, baseUrl);
    return textResult(`Stored ${answer.data.path} (type ${answer.data.type}), version ${answer.data.version}.`);
  }));

  server.registerTool("delete_secret", {
    description: "Soft-delete a secret. Reversible by an admin.",
    inputSchema: { path: path.describe("Secret path to delete") },
    annotations: { destructiveHint: true },
  }, ({ path: secretPath }) => inVault(async (vaultId) => {
    const answer = await client.secrets.delete(vaultId, secretPath);
    if (answer.error) return errorResult(answer, baseUrl);
    return textResult(`Deleted ${secretPath}.`);
  }));

  server.registerTool("describe_secret", {
    description: "Get a secret's metadata (type, version, expiry) without fetching its value. Use it to check " +
      "that a secret exists or is still valid.",
    inputSchema: { path },
    annotations: { readOnlyHint: true },
  }, ({ path: secretPath }) => inVault(async (vaultId) => {
    const answer = await client.secrets.describe(vaultId, secretPath);
    if (!answer.data) return errorResult(answer, baseUrl);
    return jsonResult(metadataOf(answer.data));
  }));

  server.registerTool("rotate_and_store", {
    description: "Store a new value for an existing secret, creating a new version. Use it right after " +
      "regenerating a key at its provider. The value is never echoed back.",
    inputSchema: { path, value: z.string().max(256 * 1024).describe("New secret value") },
  }, ({ path: secretPath, value }) => inVault(async (vaultId) => {
    const current = await client.secrets.describe(vaultId, secretPath);
    if (!current.data) return errorResult(current, baseUrl);
    const answer = await client.secrets.rotate(vaultId, secretPath, value, { type: current.data.type as (typeof SECRET_TYPES)[number] });
    if (!answer.data) return errorResult(answer, baseUrl);
    return textResult(`Rotated ${answer.data.path}. New version: ${answer.data.version}.`);
  }));

  server.registerTool("get_env_bundle", {
    description: "Fetch an env_bundle secret and answer its KEY=VALUE lines as JSON. The values are secrets: " +
      "use them, never repeat them.",
    inputSchema: { path: path.describe("Path to an env_bundle secret") },
    annotations: { readOnlyHint: true },
  }, ({ path: secretPath }) => inVault(async (vaultId) => {
    const current = await client.secrets.describe(vaultId, secretPath);
    if (!current.data) return errorResult(current, baseUrl);
    if (current.data.type !== "env_bundle") {
      return failure(`${secretPath} is a ${current.data.type} secret, not an env_bundle; use get_secret for it.`);
    }
    const answer = await client.secrets.get(vaultId, secretPath, { format: "json" });
    if (!answer.data) return errorResult(answer, baseUrl);
    return jsonResult(answer.data.env ?? {});
  }));

  server.registerTool("create_vault", {
    description: "Create a new vault for organising secrets. Check list_vaults first to avoid duplicates.",
    inputSchema: {
      name: z.string().min(1).max(255).describe("Vault name (1-255 characters)"),
      description: z.string().max(1024).optional().describe("Short description"),
    },
  }, async ({ name, description }) => {
    const answer = await client.vaults.create({ name, description });
    if (!answer.data) return errorResult(answer, baseUrl);
    const { id, name: created, description: about, created_at } = answer.data;
    return jsonResult({ id, name: created, ...(about && { description: about }), created_at });
  });

  server.registerTool("list_vaults", {
    description: "List the vaults you can access. No parameters.",
    inputSchema: z.object({}).strict(),
    annotations: { readOnlyHint: true },
  }, async () => {
    const answer = await client.vaults.list();
    if (!answer.data) return errorResult(answer, baseUrl);
    return jsonResult({ vaults: answer.data.vaults.filter((v) => !v.system)
      .map(({ id, name, description, created_at }) => ({ id, name, ...(description && { description }), created_at })) });
  });

  server.registerTool("grant_access", {
    description: "Grant a user or agent access to a vault path pattern (a fine-grained policy).",
    inputSchema: {
      vault_id: z.uuid().describe("Vault ID"),
      principal_type: z.enum(["user", "agent"]).describe("Who to grant access to"),
      principal_id: z.uuid().describe("The user or agent UUID"),
      permissions: z.array(z.enum(["read", "write", "delete"])).min(1).max(3).default(["read"])
        .describe('["read"], ["write"], ["read","write"]; "delete" needs "write" beside it'),
      secret_path_pattern: z.string().min(1).max(512).default("**").describe("Glob over secret paths, e.g. api-keys/*"),
    },
  }, async ({ vault_id, principal_type, principal_id, permissions, secret_path_pattern }) => {
    const grant = principal_type === "agent" ? client.access.grantAgent.bind(client.access) : client.access.grantHuman.bind(client.access);
    const answer = await grant(vault_id, principal_id, permissions, { path: secret_path_pattern });
    if (!answer.data) return errorResult(answer, baseUrl);
    const { id, permissions: granted, secret_path_pattern: pattern } = answer.data;
    return jsonResult({ policy_id: id, vault_id, principal_type, principal_id, permissions: granted, secret_path_pattern: pattern });
  });

  server.registerTool("share_secret", {
    description: "Share a secret via link, with your creator (the human who registered you, no ID needed), or with " +
      "a specific user or agent. Targeted shares must be accepted by the recipient before access.",
    inputSchema: {
      secret_id: z.uuid().describe("The secret's UUID (from list_secrets or describe_secret)"),
      recipient_type: z.enum(["user", "agent", "anyone_with_link", "creator"]),
      recipient_id: z.uuid().optional().describe("Required for user and agent"),
      expires_at: isoInstant.describe("ISO 8601 expiry"),
      max_access_count: z.number().int().min(0).default(5).describe("Max reads (0 = unlimited)"),
    },
  }, async ({ secret_id, recipient_type, recipient_id, expires_at, max_access_count }) => {
    if ((recipient_type === "user" || recipient_type === "agent") && !recipient_id) {
      return failure(`recipient_id is required when recipient_type is ${recipient_type}.`);
    }
    const answer = await client.sharing.create(secret_id, { recipient_type, recipient_id, expires_at, max_access_count });
    if (!answer.data) return errorResult(answer, baseUrl);
    const { id, share_url, expires_at: until, max_access_count: reads } = answer.data;
    return jsonResult({ share_id: id, share_url, recipient_type, ...(recipient_id && { recipient_id }), expires_at: until,
      max_access_count: reads });
  });

  registerTransactionTools(server, client);
}
