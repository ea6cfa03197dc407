/**
 * In-process cache of the lookups every request makes (subject, revocation, IP rules, vault, policies): the
 * rows of plain `select`s on a few read-model tables, so that an audited read does not cost five indexed
 * queries before its own work. Rows are cached, never decisions: expiries and "now" are still weighed by
 * the caller on every request.
 *
 * How stale a row can be:
 * - in this process, not at all after a write: an entry is dropped when a batch of the projection that owns
 *   its table commits here (`projectionApplied`, called by the runner before it releases read-your-writes
 *   waiters) and when the command bus of this process has seen its own write applied (`eventsWritten`);
 * - written by another process (another API process, Shroud, the CLI): at most `maxAgeMs` (1 s by default)
 *   after the shared read model has it, because no entry is served once it is older than that, measured from
 *   when its query was sent.
 * A load that is in flight when its table is invalidated is not kept (the entry it fills is dropped with the
 * rest), so an invalidation can never be undone by an older answer.
 */
import type { Projection } from "../../projections/projection.js";
import type { Queryable, QueryResult } from "./database.js";

/** Default bound on how old a cached row may be (the cross-process staleness bound). */
export const LOOKUP_MAX_AGE_MS = 1000;

/** Entries per table before the table's cache is emptied (a bound on memory, not a policy). */
const MAX_ENTRIES_PER_TABLE = 20_000;

interface Entry {
  loadedAt: number;
  result: Promise<QueryResult<unknown>>;
}

export interface ReadModelCacheOptions {
  db: Queryable;
  /** The projections owning the cached tables: which events, applied, invalidate which table. */
  projections: readonly Projection[];
  /** The tables whose selects are cached (each must belong to one of the projections). */
  tables: readonly string[];
  maxAgeMs?: number;
  /** Monotonic milliseconds (tests may pass their own). */
  now?: () => number;
}

/** `from x` / `join x` of a statement: the tables it reads. */
const TABLE_REFERENCE = /\b(?:from|join)\s+([a-z_][a-z0-9_]*)/gi;

/** Freezes cached rows: they are shared between requests, so nobody may change them. */
function deepFreeze<T>(value: T): T {
  // Byte arrays cannot be frozen (and none of the cached columns is one).
  if (value && typeof value === "object" && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value as object)) deepFreeze(inner);
  }
  return value;
}

export class ReadModelCache {
  private readonly entries = new Map<string, Map<string, Entry>>();
  /** Event type -> the cached tables its projections write. */
  private readonly tablesByEventType = new Map<string, string[]>();
  private readonly tablesByProjection = new Map<string, string[]>();
  /**
   * Statement text -> the cached table it reads and a short number for it in entry keys (so that a lookup
   * does not hash its whole text again), or null when it is not cacheable.
   */
  private readonly statements = new Map<string, { table: string; id: number } | null>();
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private readonly db: Queryable;
  private readonly projections: readonly Projection[];

  constructor(options: ReadModelCacheOptions) {
    this.db = options.db;
    this.projections = options.projections;
    this.maxAgeMs = options.maxAgeMs ?? LOOKUP_MAX_AGE_MS;
    this.now = options.now ?? (() => performance.now());
    for (const table of options.tables) {
      const owner = options.projections.find((p) => p.tables.includes(table));
      if (!owner) throw new Error(`no projection owns the cached table ${table}`);
      this.entries.set(table, new Map());
      this.tablesByProjection.set(owner.name, [...(this.tablesByProjection.get(owner.name) ?? []), table]);
    }
  }

  /** A Queryable for the lookups: cacheable selects are answered from the cache, anything else goes to the database. */
  readonly lookups: Queryable = {
    query: <R>(text: string, params: unknown[] = []) => this.query(text, params) as Promise<QueryResult<R>>,
    exec: (text: string) => this.db.exec(text),
  };

  /** A batch of this projection committed in this process: its tables' entries are stale. */
  projectionApplied(projection: string): void {
    for (const table of this.tablesByProjection.get(projection) ?? []) this.entries.get(table)!.clear();
  }

  /** Events this process appended are in the read models (read-your-writes): drop what they change. */
  eventsWritten(types: readonly string[]): void {
    for (const type of types) {
      for (const table of this.tablesOf(type)) this.entries.get(table)!.clear();
    }
  }

  /** Whether applying an event of this type changes a cached table. */
  affects(type: string): boolean {
    return this.tablesOf(type).length > 0;
  }

  private tablesOf(type: string): string[] {
    let tables = this.tablesByEventType.get(type);
    if (!tables) {
      tables = this.projections.filter((p) => p.handles(type)).flatMap((p) => this.tablesByProjection.get(p.name) ?? []);
      this.tablesByEventType.set(type, tables);
    }
    return tables;
  }

  /** The one cached table a plain select reads, or null (several tables, another table, not a select). */
  private cachedStatement(text: string): { table: string; id: number } | null {
    let statement = this.statements.get(text);
    if (statement !== undefined) return statement;
    const referenced = new Set([...text.matchAll(TABLE_REFERENCE)].map((m) => m[1].toLowerCase()));
    const [only] = referenced;
    const cacheable = /^\s*select\b/i.test(text) && !/;/.test(text) && referenced.size === 1 && this.entries.has(only);
    statement = cacheable ? { table: only, id: this.statements.size } : null;
    this.statements.set(text, statement);
    return statement;
  }

  private query(text: string, params: unknown[]): Promise<QueryResult<unknown>> {
    const statement = this.cachedStatement(text);
    if (statement === null) return this.db.query(text, params);
    const entries = this.entries.get(statement.table)!;
    const key = `${statement.id}\u0000${JSON.stringify(params)}`;
    const now = this.now();
    const cached = entries.get(key);
    if (cached && now - cached.loadedAt <= this.maxAgeMs) return cached.result;
    if (entries.size >= MAX_ENTRIES_PER_TABLE) entries.clear();
    const entry: Entry = { loadedAt: now, result: this.db.query(text, params).then(deepFreeze) };
    entries.set(key, entry);
    // A failed lookup is not remembered.
    entry.result.catch(() => {
      if (entries.get(key) === entry) entries.delete(key);
    });
    return entry.result;
  }
}
