/**
 * The SDK's one HTTP path: credentials (a key exchanged for a JWT, refreshed before it expires, shared by
 * concurrent callers), the request, and the `{ data, error, meta }` envelope. Nothing here throws for an
 * API error or a network failure: both come back as `error`.
 */
import { apiErrorFrom, networkError } from "./errors.js";
import type { AgentTokenResponse, ApiError, OneclawResponse, TokenResponse } from "./types.js";

export interface ClientConfig {
  /** The API's base URL, e.g. `https://vault.example.com` (no trailing `/v1`). */
  baseUrl: string;
  /**
   * An agent key (`ocv_…`), exchanged at `/v1/auth/agent-token`, or a personal key (`1ck_…`), exchanged at
   * `/v1/auth/api-key-token`; the JWT is re-exchanged 60 s before it expires. Any other key is sent as is.
   */
  apiKey?: string;
  /** A bearer token used as is (a JWT from elsewhere); no refresh. */
  token?: string;
  /** The agent the `ocv_` key belongs to; optional (the server resolves it from the key). */
  agentId?: string;
  /**
   * The fetch to use (a proxy-aware one, an instrumented one, one over another HTTP stack); default: the
   * global fetch. Any function with the part of fetch's signature the SDK uses will do.
   */
  fetch?: FetchLike;
  /** Milliseconds since the epoch, for the refresh decision; default Date.now. Simulations move it. */
  clock?: () => number;
}

/** What the SDK sends: a subset of fetch's RequestInit. */
export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/** What the SDK reads of an answer: a subset of fetch's Response. */
export interface FetchResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
  /** A stream the SDK cancels when it drops an answer unread; absent when the answer is already read whole. */
  readonly body?: { cancel(): Promise<void> } | null;
}

export type FetchLike = (url: string, init: FetchInit) => Promise<FetchResponse>;

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  body?: unknown;
  query?: Query;
  headers?: Record<string, string>;
  /** false for the public routes (enrolment, shares by link, chains): no credentials are sent or exchanged. */
  auth?: boolean;
}

type KeyKind = "agent" | "user";

/** Refresh this long before expiry, or at half-life for tokens shorter than twice this. */
const REFRESH_BEFORE_MS = 60_000;

interface Failure { error: ApiError; status: number }

export class HttpClient {
  readonly baseUrl: string;
  private readonly fetchImpl: FetchLike;
  private readonly clock: () => number;
  private key?: { kind: KeyKind; apiKey: string; agentId?: string };
  private token?: string;
  private refreshAt = Infinity;
  private exchanging?: Promise<Failure | undefined>;
  /** From the last agent exchange: who we are and which vaults the token is bound to. */
  agentId?: string;
  vaultIds?: string[];

  constructor(config: ClientConfig) {
    this.baseUrl = config.baseUrl.replace(/\/+$/, "");
    this.fetchImpl = config.fetch ?? globalThis.fetch.bind(globalThis);
    this.clock = config.clock ?? Date.now;
    this.agentId = config.agentId;
    this.token = config.token;
    const apiKey = config.apiKey;
    if (apiKey && (apiKey.startsWith("ocv_") || config.agentId)) this.key = { kind: "agent", apiKey, agentId: config.agentId };
    else if (apiKey?.startsWith("1ck_")) this.key = { kind: "user", apiKey };
    else if (apiKey && !config.token) this.token = apiKey;
  }

  /** Use this token from now on (after a login); drops any key, since the caller chose the token. */
  useToken(token: string | undefined): void {
    this.key = undefined;
    this.token = token;
    this.refreshAt = Infinity;
  }

  /** Use this key from now on, with a token already exchanged for it. */
  useKey(kind: KeyKind, apiKey: string, issued: { token: string; expiresIn: number }, agentId?: string): void {
    this.key = { kind, apiKey, agentId };
    this.remember(issued.token, issued.expiresIn);
  }

  /** Forget the current token (after a logout); a key, if any, is exchanged again on the next call. */
  forgetToken(): void {
    this.token = undefined;
    this.refreshAt = Infinity;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<OneclawResponse<T>> {
    const authenticated = options.auth !== false;
    const url = this.url(path, options.query);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    for (let attempt = 0; ; attempt++) {
      if (authenticated && this.key) {
        const failure = await this.ensureToken();
        if (failure) return { data: null, error: failure.error, meta: { status: failure.status } };
      }
      const sentToken = authenticated ? this.token : undefined;
      const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      if (sentToken) headers.Authorization = `Bearer ${sentToken}`;
      let response: FetchResponse;
      try {
        response = await this.fetchImpl(url, { method, headers, body });
      } catch (error) {
        return { data: null, error: networkError(error), meta: { status: 0 } };
      }
      // A token refused (expired early, revoked) is exchanged again once; a 401 means nothing was done.
      if (response.status === 401 && this.key && sentToken && attempt === 0) {
        await response.body?.cancel();
        if (this.token === sentToken) this.forgetToken();
        continue;
      }
      return envelope<T>(response, await readBody(response));
    }
  }

  private url(path: string, query?: Query): string {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url.toString();
  }

  private ensureToken(): Promise<Failure | undefined> {
    if (this.token && this.clock() < this.refreshAt) return Promise.resolve(undefined);
    // One exchange at a time: every caller that arrives meanwhile waits for the same one.
    this.exchanging ??= this.exchange().finally(() => { this.exchanging = undefined; });
    return this.exchanging;
  }

  private async exchange(): Promise<Failure | undefined> {
    const key = this.key!;
    const agent = key.kind === "agent";
    const answer = await this.request<AgentTokenResponse | TokenResponse>("POST",
      agent ? "/v1/auth/agent-token" : "/v1/auth/api-key-token", {
        auth: false,
        body: agent ? { api_key: key.apiKey, ...(key.agentId && { agent_id: key.agentId }) } : { api_key: key.apiKey },
      });
    if (answer.error || !answer.data) {
      return { error: answer.error ?? { type: "unknown", message: "empty token answer" }, status: answer.meta.status };
    }
    this.remember(answer.data.access_token, answer.data.expires_in);
    if ("agent_id" in answer.data) {
      this.agentId = answer.data.agent_id;
      this.vaultIds = answer.data.vault_ids;
    }
    return undefined;
  }

  private remember(token: string, expiresInSeconds: number): void {
    const lifetime = expiresInSeconds * 1000;
    this.token = token;
    this.refreshAt = this.clock() + lifetime - Math.min(REFRESH_BEFORE_MS, lifetime / 2);
  }
}

async function readBody(response: FetchResponse): Promise<unknown> {
  const text = await response.text().catch(() => "");
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function envelope<T>(response: FetchResponse, body: unknown): OneclawResponse<T> {
  const meta = { status: response.status, requestId: response.headers.get("X-Request-Id") ?? undefined };
  if (!response.ok) return { data: null, error: apiErrorFrom(response.status, response.headers, body), meta };
  return { data: (body ?? null) as T | null, error: null, meta };
}

/** A secret path in a URL: each segment encoded, the `/` between them kept (the server takes both). */
export function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

export const segment = encodeURIComponent;
