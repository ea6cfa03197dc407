/**
 * Hosted mode: the MCP server over streamable HTTP at `POST /mcp` of the API server. Each request is
 * stateless (no session): its credentials (`Authorization: Bearer <ocv_ key or agent JWT>`, `X-Vault-ID`,
 * optional `X-Agent-ID`) are admitted once, then a fresh MCP server answers it through the same SDK as
 * the stdio server, calling the API over loopback HTTP like any client.
 */
import { createHash } from "node:crypto";
import { HttpProblem } from "../http/problems.js";
import type { RawRequest, RawRoute } from "../http/app.js";
import { createClient, type KeyledgerClient } from "../sdk/index.js";
import { version } from "../version.js";
import { discoverVault, vaultResolver, type VaultOutcome } from "./vault.js";

/** How long an admitted credential is remembered (a JWT: never past its expiry). */
const ADMISSION_TTL_MS = 10 * 60_000;
const MAX_ADMISSIONS = 1000;

interface Admission {
  client: KeyledgerClient;
  vault: () => Promise<VaultOutcome>;
  expiresAt: number;
}

/** Where the server itself answers, from where it listens (0.0.0.0 is not an address to call). */
export function loopbackUrl(listeningUrl: string): string {
  return listeningUrl.replace("//0.0.0.0:", "//127.0.0.1:").replace("//[::]:", "//[::1]:");
}

function bearerOf(header: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match) throw new HttpProblem(401, "Authorization: Bearer <agent ocv_ key or agent token> is required", { "WWW-Authenticate": "Bearer" });
  return match[1];
}

/** A JWT's `exp` in milliseconds, unverified (the API verifies the token on every call). */
function jwtExpiry(token: string): number | undefined {
  try {
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as { exp?: unknown };
    return typeof claims.exp === "number" ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

async function admit(apiUrl: string, credential: string, vaultHeader: string | undefined, agentHeader: string | undefined,
  now: number): Promise<Admission> {
  if (credential.startsWith("1ck_")) {
    throw new HttpProblem(403, "a personal key (1ck_) cannot drive the MCP server: use the agent's ocv_ key or an agent token");
  }
  const isKey = credential.startsWith("ocv_");
  if (!isKey && !vaultHeader) throw new HttpProblem(400, "X-Vault-ID is required with an agent token");
  const client = createClient({ baseUrl: apiUrl, ...(isKey ? { apiKey: credential } : { token: credential }), agentId: agentHeader });
  const self = await client.agents.getSelf();
  if (self.error) {
    const status = self.meta.status;
    if (status === 401) throw new HttpProblem(401, "invalid or expired bearer credential", { "WWW-Authenticate": "Bearer" });
    if (status === 403) throw new HttpProblem(403, "only agents use the MCP server");
    if (status === 429) {
      const wait = String(self.error.retry_after ?? 1);
      throw new HttpProblem(429, `too many token exchanges; retry in ${wait} s`, { "Retry-After": wait });
    }
    throw new HttpProblem(503, "the vault API is not answering; retry later");
  }
  let vault: () => Promise<VaultOutcome>;
  if (vaultHeader) {
    const bound = self.data!.vault_ids;
    if (bound.length > 0 && !bound.includes(vaultHeader)) throw new HttpProblem(403, "vault binding mismatch: the agent is not bound to this vault");
    const outcome = await discoverVault(client, vaultHeader, "given by X-Vault-ID");
    if (!outcome.ok) {
      const status = "failed" in outcome ? outcome.failed.meta.status : 404;
      if (status === 404) throw new HttpProblem(404, `vault ${vaultHeader} not found`);
      if (status === 403) throw new HttpProblem(403, "vault binding mismatch");
      throw new HttpProblem(503, "the vault API is not answering; retry later");
    }
    vault = () => Promise.resolve(outcome);
  } else {
    vault = vaultResolver(client, undefined, "");
  }
  const expiry = isKey ? undefined : jwtExpiry(credential);
  return { client, vault, expiresAt: Math.min(now + ADMISSION_TTL_MS, expiry ?? Infinity) };
}

export function mcpHttpRoute(options: { apiUrl: () => string; clock?: () => number }): RawRoute {
  const clock = options.clock ?? Date.now;
  // Keyed by a hash of the headers, so that no credential is kept as a map key.
  const admissions = new Map<string, Promise<Admission>>();

  async function admissionFor(request: RawRequest): Promise<Admission> {
    const credential = bearerOf(request.header("Authorization"));
    const vaultHeader = request.header("X-Vault-ID")?.trim() || undefined;
    const agentHeader = request.header("X-Agent-ID")?.trim() || undefined;
    const key = createHash("sha256").update([credential, vaultHeader ?? "", agentHeader ?? ""].join("\n")).digest("hex");
    const now = clock();
    const cached = admissions.get(key);
    if (cached) {
      const admission = await cached.catch(() => undefined);
      if (admission && admission.expiresAt > now) return admission;
      admissions.delete(key);
    }
    const pending = admit(options.apiUrl(), credential, vaultHeader, agentHeader, now);
    admissions.set(key, pending);
    pending.catch(() => admissions.delete(key));
    if (admissions.size > MAX_ADMISSIONS) admissions.delete(admissions.keys().next().value!);
    return pending;
  }

  return {
    method: "POST",
    path: "/mcp",
    async handle(request) {
      const admission = await admissionFor(request);
      const [{ StreamableHTTPServerTransport }, { createMcpServer }] = await Promise.all([
        import("@modelcontextprotocol/sdk/server/streamableHttp.js"), import("./server.js")]);
      const server = createMcpServer({ client: admission.client, vault: admission.vault }, version);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      request.res.on("close", () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(request.req, request.res, request.body);
    },
  };
}
