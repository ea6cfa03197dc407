/**
 * Per agent, the matcher of every secret value it may read (its vaults, its scopes, its policies), built on
 * demand and kept until the event log says something it depends on changed: a secret written, rotated,
 * disabled, deleted or restored in one of its vaults, or any policy, agent or vault change in its
 * organisation. A subscription to the log delivers those events as they land; before answering, whatever it
 * has not delivered yet up to the log's head is read then, so a secret written just before a call is
 * redacted in that call (no polling, no window). A 60 s lifetime remains as a
 * backstop for what no event announces: a policy condition whose time window opens or closes.
 */
import { readableVersion, secretAggregate } from "../../commands/secret.js";
import { visibleVaultIds, readablePathFilter } from "../access/authorize.js";
import { loadAggregate } from "../app/aggregates.js";
import type { AgentPrincipal } from "../auth/principal.js";
import type { Database } from "../db/database.js";
import { comparePositions, START, type EventStore, type Position, type RecordedEvent, type Subscription } from "../eventstore/port.js";
import type { KeyProvider } from "../keys/port.js";
import type { Logger } from "../log.js";
import { openSecretVersion } from "../secrets/open-version.js";
import { listVaultSecrets } from "../secrets/queries.js";
import { secretIdFor } from "../secrets/streams.js";
import { Unavailable } from "../../commands/errors.js";
import { SecretMatcher, type RedactionEntry } from "./redaction/matcher.js";

/** Values shorter than this are not redacted: "true", "1234" or "admin" would mangle ordinary text. */
export const MIN_REDACTED_LENGTH = 6;
const MAX_AGE_MS = 60_000;
const CATCH_UP_TIMEOUT_MS = 5000;

interface Entry {
  matcher: SecretMatcher;
  orgId: string;
  vaultIds: Set<string>;
  builtAt: number;
}

export class ManifestNotCurrent extends Unavailable {
  constructor() {
    super("the redaction manifest could not be brought up to date; nothing was sent");
    this.name = "ManifestNotCurrent";
  }
}

const SECRET_EVENTS = new Set(["SecretVersionAdded", "SecretVersionDisabled", "SecretDeleted", "SecretRestored"]);
const REACH_EVENTS = /^(Policy|Agent|Vault)/;

export interface ManifestDependencies {
  db: Database;
  store: EventStore;
  keys: KeyProvider;
  clock: () => Date;
  /** Read models include a position (the secrets listing and the policies are read from them). */
  readModels: { waitFor(position: Position, timeoutMs: number): Promise<void> };
  logger: Logger;
  /** Every event read from the log, in order (Shroud's cached lookups follow the log through here). */
  onEvent?(event: RecordedEvent): void;
}

export class RedactionManifests {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;
  private seen: Position = START;
  private subscription?: Subscription;
  private reading?: Promise<void>;
  /** Builds since start: a test and the bench read it to see rebuilds happen only after changes. */
  builds = 0;

  constructor(private readonly deps: ManifestDependencies) {}

  async start(): Promise<void> {
    this.seen = await this.deps.store.headPosition();
    this.subscription = this.deps.store.subscribeToAll({
      after: this.seen,
      onEvents: async (events) => this.take(events),
      onError: (error) => this.deps.logger.error({ err: error instanceof Error ? error.message : String(error) },
        "shroud manifest subscription failed"),
    });
  }

  /** Events from the subscription or a catch-up read, each considered once, in order. */
  private take(events: readonly RecordedEvent[]): void {
    for (const event of events) {
      if (comparePositions(event.position, this.seen) <= 0) continue;
      this.consider(event);
      this.deps.onEvent?.(event);
      this.seen = event.position;
    }
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
  }

  private consider(event: RecordedEvent): void {
    const data = event.data as { vault_id?: unknown; org_id?: unknown };
    if (SECRET_EVENTS.has(event.type)) {
      for (const [key, entry] of this.entries) if (entry.vaultIds.has(String(data.vault_id))) this.drop(key);
    } else if (REACH_EVENTS.test(event.type)) {
      for (const [key, entry] of this.entries) if (data.org_id === undefined || entry.orgId === data.org_id) this.drop(key);
    }
  }

  private drop(key: string): void {
    this.entries.delete(key);
    this.generation++;
  }

  /**
   * Considers every event up to `position`: what the subscription has not delivered yet is read from the log
   * here (one query for the few events since the last call), so a call never waits for a notification.
   */
  private async caughtUp(position: Position): Promise<void> {
    const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
    while (comparePositions(this.seen, position) < 0) {
      if (Date.now() > deadline) throw new ManifestNotCurrent();
      this.reading ??= this.deps.store.readAll({ after: this.seen, limit: 1000 })
        .then((events) => this.take(events))
        .finally(() => (this.reading = undefined));
      await this.reading.catch(() => { throw new ManifestNotCurrent(); });
    }
  }

  /** Considers every event up to the log's head now, and answers that head. */
  async follow(): Promise<Position> {
    const head = await this.deps.store.headPosition();
    await this.caughtUp(head);
    return head;
  }

  /**
   * The agent's matcher as policies apply to a caller at `ip` (policies may have address conditions), current
   * as of `head` (from follow(), this call's).
   */
  async matcherFor(agent: AgentPrincipal, ip: string, head: Position): Promise<SecretMatcher> {
    const key = `${agent.id} ${ip}`;
    const cached = this.entries.get(key);
    if (cached && this.deps.clock().getTime() - cached.builtAt < MAX_AGE_MS) return cached.matcher;
    const generation = this.generation;
    await this.deps.readModels.waitFor(head, CATCH_UP_TIMEOUT_MS).catch(() => { throw new ManifestNotCurrent(); });
    const { entries, vaultIds } = await this.collect(agent, ip);
    const entry: Entry = { matcher: new SecretMatcher(entries), orgId: agent.orgId, vaultIds, builtAt: this.deps.clock().getTime() };
    this.builds++;
    // An invalidation that arrived while building may concern what was just read: keep it for this call only.
    if (generation === this.generation) this.entries.set(key, entry);
    return entry.matcher;
  }

  /** Every readable value of the agent's reachable secrets (decrypted here, never sent or stored). */
  private async collect(agent: AgentPrincipal, ip: string): Promise<{ entries: RedactionEntry[]; vaultIds: Set<string> }> {
    const { db, store, keys, clock } = this.deps;
    const visible = await visibleVaultIds(db, agent);
    const vaultIds = new Set(visible === "all" ? [] : visible);
    const entries: RedactionEntry[] = [];
    for (const vaultId of vaultIds) {
      const readable = await readablePathFilter({ db, clock }, agent, vaultId, ip);
      for (const secret of await listVaultSecrets(db, vaultId)) {
        if (!readable(secret.path)) continue;
        const secretId = secretIdFor(vaultId, secret.path);
        const state = await loadAggregate(store, secretAggregate, secretId);
        let version;
        try {
          version = readableVersion(state, secret.path, clock());
        } catch {
          continue;
        }
        const value = await openSecretVersion(keys, { vaultId, secretId }, version);
        if (value.length >= MIN_REDACTED_LENGTH) entries.push({ value, path: secret.path });
      }
    }
    return { entries, vaultIds };
  }
}
