/**
 * "Who could read this secret at T" latency with a large log: `npx tsx bench/history.ts [options]`.
 *
 *   --events 1000000        events in the log (default 1,000,000)
 *   --queries 2000          timed queries (random vault, path and instant)
 *   --targets postgres,pglite
 *
 * The log is one organisation over a simulated year: 200 agents and 20 users, 20 vaults, 4,000 policies
 * (a quarter later updated, a tenth deleted, some expiring), agents deactivated and re-activated, and
 * secret reads filling the rest. It is appended straight through the store in 500-event batches; only the
 * interval read model the query needs (access_intervals) is built, by the real projection runner, and the
 * query is the one the route runs (src/history/who-could-read.ts).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { accessIntervalsProjection } from "../projections/access-intervals.js";
import type { EventStore, EventToAppend } from "../src/eventstore/port.js";
import { whoCouldRead } from "../src/history/who-could-read.js";
import { ProjectionRunner } from "../src/projection-runner/runner.js";
import { cleanUpEverything } from "./cleanup.js";
import { ms, note, now, percentile, progress, Report } from "./stats.js";
import { availableTargets, type StoreTarget } from "./stores.js";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "1000000" },
    queries: { type: "string", default: "2000" },
    targets: { type: "string", default: "postgres,pglite" },
  },
});
const TOTAL = Number(values.events);
const QUERIES = Number(values.queries);

const YEAR_MS = 365 * 86_400_000;
const START = Date.now() - YEAR_MS;
const ORG = randomUUID();
const VAULTS = Array.from({ length: 20 }, () => randomUUID());
const AGENTS = Array.from({ length: 200 }, () => randomUUID());
const USERS = Array.from({ length: 20 }, () => randomUUID());
const PATHS = ["api-keys/stripe", "api-keys/github", "config/prod/db", "config/staging/db", "certs/web", "ssh/deploy"];
const PATTERNS = ["**", "api-keys/*", "config/**", "config/prod/*", "certs/*", "ssh/**", "api-keys/stripe"];
const pick = <T>(list: readonly T[]) => list[Math.floor(Math.random() * list.length)];
const hex = (bytes: number) => randomBytes(bytes).toString("hex");
const sealed = () => ({ alg: "A256GCM+DEK-wrapped/v1", kekId: "k", wrappedKey: "AA==", iv: "AA==", ciphertext: "AA==", tag: "AA==" });

/** The i-th of `TOTAL` events happens at an even spread over the year. */
const at = (i: number) => new Date(START + Math.floor((i / TOTAL) * YEAR_MS)).toISOString();
const event = (i: number, type: string, data: Record<string, unknown>): EventToAppend => ({
  id: randomUUID(), type, data, metadata: { actor: { type: "user", id: USERS[0] }, org_id: ORG, occurred_at: at(i) },
});

/** The setup facts (principals, vaults, policies and their changes) at their places in the log, by index. */
function plannedFacts(): Map<number, { stream: string; event: EventToAppend }> {
  const facts = new Map<number, { stream: string; event: EventToAppend }>();
  let slot = 0;
  const early = (stream: string, make: (i: number) => EventToAppend) => facts.set(slot, { stream, event: make(slot++) });
  for (const user of USERS) {
    early(`user-${user}`, (i) => event(i, "UserRegistered", { user_id: user, org_id: ORG, email: `${user}@bench.invalid`,
      display_name: "bench", auth_method: "password", role: "member" }));
  }
  for (const agent of AGENTS) {
    early(`agent-${agent}`, (i) => event(i, "AgentCreated", {
      agent_id: agent, org_id: ORG, created_by: USERS[0], origin: "api", auth_method: "api_key", name: "bench",
      description: null, scopes: [], vault_ids: [], is_active: true, intents_api_enabled: false, token_ttl_seconds: null,
      expires_at: null, tx_to_allowlist: [], tx_max_value: null, tx_daily_limit: null, tx_allowed_chains: [],
      api_key: { key_prefix: `ocv_${hex(8)}`, key_hash: hex(32) },
      identity: { keyset_id: randomUUID(), ssh_public_key: "AA==", ecdh_public_key: "AA==", ssh_private_key: sealed(),
        ecdh_private_key: sealed() },
      created_at: at(i),
    }));
  }
  for (const vault of VAULTS) {
    early(`vault-${vault}`, (i) => event(i, "VaultCreated", { vault_id: vault, org_id: ORG, name: vault, kek_id: "k",
      created_by: { type: "user", id: pick(USERS) }, system: false }));
  }
  // Policies and their changes spread over the year.
  const spread = () => slot + Math.floor(Math.random() * (TOTAL - slot));
  for (let n = 0; n < 4000; n++) {
    const policy = randomUUID();
    const vault = pick(VAULTS);
    const agentPrincipal = Math.random() < 0.8;
    const created = spread();
    const terms = () => ({
      permissions: Math.random() < 0.8 ? ["read"] : ["read", "write"],
      conditions: Math.random() < 0.1 ? { ip_allowlist: ["10.0.0.0/8"] } : {},
      expires_at: Math.random() < 0.2 ? new Date(START + Math.random() * YEAR_MS * 1.2).toISOString() : null,
      effect: Math.random() < 0.05 ? "deny" : "allow",
      priority: Math.floor(Math.random() * 3),
    });
    facts.set(created, { stream: `policy-${policy}`, event: event(created, "PolicyCreated", {
      policy_id: policy, vault_id: vault, org_id: ORG, secret_path_pattern: pick(PATTERNS),
      principal_type: agentPrincipal ? "agent" : "user", principal_id: agentPrincipal ? pick(AGENTS) : pick(USERS),
      ...terms(), created_by: { type: "user", id: USERS[0] } }) });
    const later = created + 1 + Math.floor(Math.random() * (TOTAL - created - 1));
    if (later < TOTAL && !facts.has(later) && Math.random() < 0.25) {
      facts.set(later, { stream: `policy-${policy}`, event: event(later, "PolicyUpdated", {
        policy_id: policy, vault_id: vault, org_id: ORG, ...terms(), updated_by: { type: "user", id: USERS[0] } }) });
    } else if (later < TOTAL && !facts.has(later) && Math.random() < 0.13) {
      facts.set(later, { stream: `policy-${policy}`, event: event(later, "PolicyDeleted", {
        policy_id: policy, vault_id: vault, org_id: ORG, deleted_by: { type: "user", id: USERS[0] } }) });
    }
  }
  for (let n = 0; n < 400; n++) {
    const i = spread();
    if (facts.has(i)) continue;
    const agent = pick(AGENTS);
    facts.set(i, { stream: `agent-${agent}`, event: event(i, "AgentUpdated", {
      agent_id: agent, org_id: ORG, changes: { is_active: Math.random() < 0.5 }, updated_at: at(i) }) });
  }
  return facts;
}

function readEvent(i: number): { stream: string; event: EventToAppend } {
  const vault = pick(VAULTS);
  const secret = randomUUID();
  return { stream: `secret_reads-${secret}`, event: event(i, "SecretValueRead", {
    vault_id: vault, org_id: ORG, secret_id: secret, path: pick(PATHS), version: 1,
    reader: { type: "agent", id: pick(AGENTS) } }) };
}

/** Appends the log in order: runs of reads in 500-event appends, each setup fact on its own stream. */
async function fill(store: EventStore): Promise<void> {
  const facts = plannedFacts();
  const bar = progress("appending the log", TOTAL);
  let reads: EventToAppend[] = [];
  const flushReads = async () => {
    if (reads.length === 0) return;
    await store.append(`secret_reads-${randomUUID()}`, reads, "any");
    reads = [];
  };
  try {
    for (let i = 0; i < TOTAL; i++) {
      const fact = facts.get(i);
      if (fact) {
        await flushReads();
        await store.append(fact.stream, [fact.event], "any");
      } else {
        reads.push(readEvent(i).event);
        if (reads.length === 500) await flushReads();
      }
      if (i % 5000 === 0) bar.update(i);
    }
    await flushReads();
  } finally {
    bar.stop();
  }
}

async function bench(target: StoreTarget, report: Report): Promise<void> {
  const started = now();
  await fill(target.store);
  note(`${target.name}: ${TOTAL} events appended in ${((now() - started) / 1000).toFixed(0)} s; projecting`);
  const runner = new ProjectionRunner({ db: target.db, store: target.store, projections: [accessIntervalsProjection] });
  const projecting = now();
  await runner.start();
  try {
    await runner.waitFor(await target.store.headPosition(), 3_600_000);
    const projectSeconds = (now() - projecting) / 1000;
    const { rows } = await target.db.query<{ grants: string; periods: string }>(
      `select (select count(*) from access_grants) as grants, (select count(*) from principal_periods) as periods`);
    report.add({ target: target.name, measure: `project access_intervals, ${TOTAL} events`, rate: TOTAL / projectSeconds,
      unit: "events/s", detail: `${rows[0].grants} grant periods, ${rows[0].periods} principal periods` });
    const latencies: number[] = [];
    let answered = 0;
    for (let q = 0; q < QUERIES; q++) {
      const t0 = now();
      const result = await whoCouldRead(target.db,
        { vaultId: pick(VAULTS), path: pick(PATHS), at: new Date(START + Math.random() * YEAR_MS) });
      latencies.push(now() - t0);
      answered += result.length;
    }
    latencies.sort((a, b) => a - b);
    const total = latencies.reduce((a, b) => a + b, 0) / 1000;
    report.add({ target: target.name, measure: `who could read at T (${TOTAL} events)`, rate: QUERIES / total,
      unit: "queries/s", detail: `p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}, ` +
        `${(answered / QUERIES).toFixed(1)} principals per answer, sequential` });
  } finally {
    await runner.stop();
  }
}

const report = new Report();
let failed = false;
try {
  const { targets, skipped } = await availableTargets(values.targets!.split(","));
  for (const s of skipped) report.skip(s.name, s.reason);
  for (const factory of targets) {
    note(`${factory.name}: opening`);
    const target = await factory.open();
    try {
      await bench(target, report);
    } finally {
      await target.dispose();
    }
  }
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  await cleanUpEverything();
}
console.log(`\n${report.markdown()}`);
process.exit(failed ? 1 : 0);
