/**
 * Batches the read-model writes of a projection batch: plain single-row INSERTs that handlers issue are held
 * and sent as multi-row INSERTs, because a database round trip per event (about 0.2 ms here) caps a rebuild
 * at ~5,000 events/s. Everything else passes through in order.
 */
import type { Queryable, QueryResult } from "../db/database.js";

/** `insert into <table> [(<columns>)] values (<one row>)`: nothing after the row (no RETURNING, no ON CONFLICT). */
const SINGLE_ROW_INSERT = /^\s*insert\s+into\s+([\s\S]+?)\s+values\s*\(([\s\S]*)\)\s*;?\s*$/i;
/**
 * Anything that makes rewriting unsafe: literals and comments (a `$1` in them is not a parameter), several
 * statements, and subqueries (one reading the same table would not see the rows earlier in the same INSERT).
 */
const UNSAFE_TEXT = /'|"|\$\$|--|\/\*|;\s*\S|\bselect\b|\bwith\b/i;
const MAX_PARAMETERS = 65_535;
const MAX_COALESCED_ROWS = 1000;

interface InsertShape {
  /** `insert into <table> (<columns>) values ` */
  head: string;
  /** The row with its parameters renumbered for row `index` of a multi-row statement. */
  row(index: number): string;
}

interface HeldInsert {
  text: string;
  shape: InsertShape;
  params: unknown[];
}

const insertShapes = new Map<string, InsertShape | null>();

/** How to repeat this statement as more rows of one INSERT, or null when it is not a plain single-row insert. */
function insertShape(text: string, parameters: number): InsertShape | null {
  const key = `${parameters}:${text}`;
  let shape = insertShapes.get(key);
  if (shape !== undefined) return shape;
  shape = null;
  const match = SINGLE_ROW_INSERT.exec(text);
  if (match && !UNSAFE_TEXT.test(text) && parameters > 0 && balanced(match[2])) {
    const used = [...match[2].matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
    // Every parameter appears in the row, and the row names no others.
    if (used.length > 0 && Math.max(...used) === parameters && new Set(used).size === parameters) {
      const tuple = match[2];
      // Each row's text is renumbered once and kept: the same rows recur in every batch.
      const rows: string[] = [];
      shape = {
        head: `insert into ${match[1]} values `,
        row: (index) => rows[index] ??= `(${tuple.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + index * parameters}`)})`,
      };
    }
  }
  if (insertShapes.size < 1000) insertShapes.set(key, shape);
  return shape;
}

/** True when the parentheses never close more than they opened: the text is one row, not `a), (b`. */
function balanced(tuple: string): boolean {
  let depth = 0;
  for (const c of tuple) {
    if (c === "(") depth++;
    else if (c === ")" && --depth < 0) return false;
  }
  return depth === 0;
}

/**
 * An INSERT held back failed when it was sent, at a later statement or at the batch's end: it may belong to any
 * event before that statement's, so the failure is not the later event's to carry (the runner sends the
 * retried batch's statements one by one, and the failure then names its event).
 */
export class HeldInsertFailed extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "HeldInsertFailed";
  }
}

/**
 * The transaction handed to handlers. A projection handler usually makes one single-row INSERT per event,
 * and one round trip per event is what limits a rebuild (~0.2 ms each on a small machine). So plain
 * single-row `INSERT ... VALUES (...)` statements (no RETURNING, ON CONFLICT, literals or subqueries) are held back
 * and answered at once with what PostgreSQL answers for them (no rows, rowCount 1); runs of the same
 * statement are sent as one multi-row INSERT before anything else goes to the database: the next other
 * statement, or the end of the batch (before the checkpoint). Order is kept, everything stays in the
 * batch's transaction, and an INSERT that fails still fails the whole batch. What a handler can notice:
 * the error surfaces at the next statement instead of at the INSERT, as a HeldInsertFailed (the transaction is
 * aborted either way),
 * triggers see one multi-row INSERT (statement triggers fire once; a BEFORE trigger that skips a row was
 * still answered rowCount 1), and functions called in the row that read its own table do not see the rows
 * before it in the same INSERT. Read models with such triggers or functions set `coalesceInserts: false`.
 * After a SAVEPOINT (a handler that wants to catch its own errors) nothing more of the batch is held back.
 */
export class CoalescingQueryable implements Queryable {
  private pending: HeldInsert[] = [];
  private holding = true;
  /** Statements reach the database in the order handlers issued them, even when not awaited one by one. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly tx: Queryable) {}

  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<R>> {
    if (this.holding && params) {
      const shape = insertShape(text, params.length);
      if (shape) {
        this.pending.push({ text, shape, params });
        return Promise.resolve({ rows: [], rowCount: 1 });
      }
    }
    if (/^\s*savepoint\b/i.test(text)) this.holding = false;
    return this.inOrder(() => this.tx.query<R>(text, params));
  }

  exec(text: string): Promise<void> {
    if (/\bsavepoint\b/i.test(text)) this.holding = false;
    return this.inOrder(() => this.tx.exec(text));
  }

  /** Sends what is held back and waits for everything issued so far. */
  async flush(): Promise<void> {
    await this.inOrder(async () => {});
  }

  private inOrder<T>(operation: () => Promise<T>): Promise<T> {
    const held = this.pending;
    this.pending = [];
    const result = this.chain.then(async () => {
      await this.send(held);
      return operation();
    });
    this.chain = result.catch(() => {});
    return result;
  }

  private async send(held: HeldInsert[]): Promise<void> {
    try {
      await this.sendRuns(held);
    } catch (error) {
      throw new HeldInsertFailed(error);
    }
  }

  private async sendRuns(held: HeldInsert[]): Promise<void> {
    let i = 0;
    while (i < held.length) {
      const { text, shape, params } = held[i];
      const perRow = params.length;
      const limit = Math.min(MAX_COALESCED_ROWS, Math.floor(MAX_PARAMETERS / perRow));
      let j = i + 1;
      while (j < held.length && j - i < limit && held[j].shape === shape) j++;
      if (j - i === 1) {
        await this.tx.query(text, params);
      } else {
        const rows: string[] = [];
        const all: unknown[] = [];
        for (let k = i; k < j; k++) {
          rows.push(shape.row(k - i));
          for (const p of held[k].params) all.push(p);
        }
        await this.tx.query(shape.head + rows.join(", "), all);
      }
      i = j;
    }
  }
}

