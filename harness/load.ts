/**
 * Mixed load for the reliability harnesses: writes, reads, grants (policies), shares and share reads, from a
 * few concurrent workers, each on paths of its own (so "the latest acknowledged value" of a path is well
 * defined). Every answer is recorded; what was acknowledged is what the checks afterwards hold the server to.
 */
import { randomUUID } from "node:crypto";
import { call } from "../test/support/child-server.js";

export interface Outcome {
  kind: "write" | "read" | "grant" | "share" | "share-read";
  requestId: string;
  startedAt: number;
  ms: number;
  /** HTTP status, or 0 when no answer came (connection refused or cut). */
  status: number;
}

export interface Acknowledged {
  /** path -> the last acknowledged write of it. */
  writes: Map<string, { version: number; value: string; secretId: string }>;
  writeCount: number;
  /** Request ids of reads answered 200 with a value (secret reads and share reads). */
  reads: Array<{ requestId: string; kind: "read" | "share-read"; value: string }>;
  policies: string[];
  shares: string[];
}

export function emptyAcknowledged(): Acknowledged {
  return { writes: new Map(), writeCount: 0, reads: [], policies: [], shares: [] };
}

export interface LoadTarget {
  url: () => string;
  token: string;
  vaultId: string;
  agentId: string;
}

export class MixedLoad {
  readonly outcomes: Outcome[] = [];
  private stopping = false;
  private running: Promise<void>[] = [];
  private sequence = 0;

  constructor(private readonly target: LoadTarget, readonly acked: Acknowledged, private readonly workers = 6,
    private readonly requestTimeoutMs = 10_000) {}

  start(): void {
    this.stopping = false;
    this.running = Array.from({ length: this.workers }, (_, worker) => this.work(worker));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running);
  }

  private async request(kind: Outcome["kind"], method: string, route: string, body?: unknown, authenticated = true) {
    const requestId = randomUUID();
    const startedAt = Date.now();
    try {
      const reply = await call(this.target.url(), method, route, {
        body, token: authenticated ? this.target.token : undefined, headers: { "x-request-id": requestId },
        timeoutMs: this.requestTimeoutMs,
      });
      this.outcomes.push({ kind, requestId, startedAt, ms: Date.now() - startedAt, status: reply.status });
      return { ...reply, requestId };
    } catch {
      this.outcomes.push({ kind, requestId, startedAt, ms: Date.now() - startedAt, status: 0 });
      return { status: 0, body: undefined, requestId };
    }
  }

  private async work(worker: number): Promise<void> {
    const { vaultId, agentId } = this.target;
    const mine = (n: number) => `w${worker}/k${n}`;
    while (!this.stopping) {
      const dice = Math.random();
      const known = [...this.acked.writes.entries()].filter(([p]) => p.startsWith(`w${worker}/`));
      if (dice < 0.35 || known.length === 0) {
        const path = mine(Math.floor(Math.random() * 4));
        const value = `value-${worker}-${++this.sequence}-${randomUUID()}`;
        const r = await this.request("write", "PUT", `/v1/vaults/${vaultId}/secrets/${path}`, { value });
        if (r.status === 201) {
          this.acked.writes.set(path, { version: r.body.version, value, secretId: r.body.id });
          this.acked.writeCount++;
        }
      } else if (dice < 0.85) {
        const [path] = known[Math.floor(Math.random() * known.length)];
        const r = await this.request("read", "GET", `/v1/vaults/${vaultId}/secrets/${path}`);
        if (r.status === 200) this.acked.reads.push({ requestId: r.requestId, kind: "read", value: r.body.value });
      } else if (dice < 0.9) {
        const r = await this.request("grant", "POST", `/v1/vaults/${vaultId}/policies`, {
          secret_path_pattern: `w${worker}/**`, principal_type: "agent", principal_id: agentId, permissions: ["read"],
          priority: Math.floor(Math.random() * 1000),
        });
        if (r.status === 201) this.acked.policies.push(r.body.id);
      } else if (dice < 0.93 || this.acked.shares.length === 0) {
        const [, secret] = known[Math.floor(Math.random() * known.length)];
        const r = await this.request("share", "POST", `/v1/secrets/${secret.secretId}/share`, {
          recipient_type: "anyone_with_link", expires_at: new Date(Date.now() + 86_400_000).toISOString(), max_access_count: 1_000_000,
        });
        if (r.status === 201) this.acked.shares.push(r.body.id);
      } else {
        const share = this.acked.shares[Math.floor(Math.random() * this.acked.shares.length)];
        const r = await this.request("share-read", "GET", `/v1/share/${share}`, undefined, false);
        if (r.status === 200) this.acked.reads.push({ requestId: r.requestId, kind: "share-read", value: r.body.value });
      }
    }
  }
}

/** Counts of answers by status, e.g. { 200: 812, 201: 310, 503: 44, 0: 3 }. */
export function statusCounts(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.status] = (counts[o.status] ?? 0) + 1;
  return counts;
}
