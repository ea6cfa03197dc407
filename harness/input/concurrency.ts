/**
 * Exact counts under concurrency (issue 9): in each round, 200 callers at once on
 *   - a secret with max_access_count k: exactly k values, the rest 410, and exactly k read events;
 *   - a link share with max_access_count m on an unlimited secret: exactly m values and m recorded accesses;
 *   - a link share with m > k on a secret limited to k: exactly k values (the secret's limit holds).
 * Every round uses a fresh organisation (share creation is limited per organisation).
 */
import { randomInt, randomUUID } from "node:crypto";
import { expectJson, signUp, type ServerProcess } from "./server-process.js";

export interface ConcurrencyRound {
  callers: number;
  secretLimit: number;
  secretValues: number;
  secretReadEvents: number;
  shareLimit: number;
  shareValues: number;
  shareAccessEvents: number;
  limitedShareLimit: number;
  limitedSecretLimit: number;
  limitedShareValues: number;
}

export interface ConcurrencyReport {
  rounds: ConcurrencyRound[];
  /** Every answer was 200 or 410. */
  statuses: Record<string, number>;
  seconds: number;
  violations: string[];
}

export interface ConcurrencyOptions {
  rounds: number;
  callers?: number;
  log?: (line: string) => void;
  /** Values written (for the leak scan) and error bodies seen. */
  onPlaintext?: (value: string) => void;
  onAnswer?: (status: number, body: string) => void;
}

async function countEvents(server: ServerProcess, type: string, field: string, id: string): Promise<number> {
  const rows = await server.query<{ n: string }>(
    `select count(*)::text as n from eventstore_events where event_type = $1 and data->>'${field}' = $2`, [type, id]);
  return Number(rows[0].n);
}

export async function runConcurrency(server: ServerProcess, options: ConcurrencyOptions): Promise<ConcurrencyReport> {
  const started = Date.now();
  const callers = options.callers ?? 200;
  const statuses: Record<string, number> = {};
  const violations: string[] = [];
  const rounds: ConcurrencyRound[] = [];

  const burst = async (n: number, call: () => Promise<Response>): Promise<number> => {
    const answers = await Promise.all(Array.from({ length: n }, async () => {
      const response = await call();
      const body = await response.text();
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      options.onAnswer?.(response.status, body);
      return response.status;
    }));
    const odd = answers.filter((s) => s !== 200 && s !== 410);
    if (odd.length > 0) violations.push(`unexpected statuses in a burst: ${JSON.stringify(odd.slice(0, 10))}`);
    return answers.filter((s) => s === 200).length;
  };

  for (let round = 1; round <= options.rounds; round++) {
    const user = await signUp(server);
    const auth = { token: user.token };
    const vault = await expectJson(server.url, "POST", "/v1/vaults", { ...auth, body: { name: `race-${round}` } });
    const put = async (path: string, limit: number) => {
      const value = `race-plain-${randomUUID()}`;
      options.onPlaintext?.(value);
      return (await expectJson(server.url, "PUT", `/v1/vaults/${vault.id}/secrets/${path}`,
        { ...auth, body: { value, max_access_count: limit } })).id as string;
    };
    const share = async (secretId: string, limit: number) => (await expectJson(server.url, "POST", `/v1/secrets/${secretId}/share`,
      { ...auth, body: { recipient_type: "anyone_with_link", max_access_count: limit, expires_at: new Date(Date.now() + 3_600_000).toISOString() } })).id as string;

    const secretLimit = randomInt(1, 60);
    const limitedId = await put("limited", secretLimit);
    const secretValues = await burst(callers, () => fetch(`${server.url}/v1/vaults/${vault.id}/secrets/limited`,
      { headers: { authorization: `Bearer ${user.token}` } }));
    const secretReadEvents = await countEvents(server, "SecretValueRead", "secret_id", limitedId);

    const shareLimit = randomInt(1, 60);
    const shareId = await share(await put("unlimited", 0), shareLimit);
    const shareValues = await burst(callers, () => fetch(`${server.url}/v1/share/${shareId}`));
    const shareAccessEvents = await countEvents(server, "ShareAccessed", "share_id", shareId);

    const limitedSecretLimit = randomInt(1, 30);
    const limitedShareLimit = limitedSecretLimit + randomInt(1, 30);
    const limitedShareId = await share(await put("limited-shared", limitedSecretLimit), limitedShareLimit);
    const limitedShareValues = await burst(callers, () => fetch(`${server.url}/v1/share/${limitedShareId}`));

    const result = { callers, secretLimit, secretValues, secretReadEvents, shareLimit, shareValues, shareAccessEvents,
      limitedShareLimit, limitedSecretLimit, limitedShareValues };
    rounds.push(result);
    if (secretValues !== secretLimit || secretReadEvents !== secretLimit) {
      violations.push(`round ${round}: secret limited to ${secretLimit} gave ${secretValues} values, ${secretReadEvents} read events`);
    }
    if (shareValues !== shareLimit || shareAccessEvents !== shareLimit) {
      violations.push(`round ${round}: share limited to ${shareLimit} gave ${shareValues} values, ${shareAccessEvents} accesses`);
    }
    if (limitedShareValues !== limitedSecretLimit) {
      violations.push(`round ${round}: share (${limitedShareLimit}) of a secret limited to ${limitedSecretLimit} gave ${limitedShareValues} values`);
    }
    options.log?.(`concurrency: round ${round}/${options.rounds}: secret ${secretValues}/${secretLimit}, share ${shareValues}/${shareLimit}, ` +
      `share of limited secret ${limitedShareValues}/${limitedSecretLimit}`);
  }
  return { rounds, statuses, seconds: Math.round((Date.now() - started) / 1000), violations };
}
