/**
 * Which statements go to PostgreSQL as named prepared statements. A statement sent unnamed is parsed and
 * planned again on every call: under load that was a fifth of PostgreSQL's time in our statements, most of it
 * planning the subscribers' reads of the log and the lookups (issue 12). A named one is parsed once per
 * connection, and after five calls PostgreSQL may keep a generic plan.
 *
 * Only parameterised statements sent outside a transaction are named (the caller decides): a statement
 * inside a transaction may run under a `set local search_path` (read-model batches, replays), where a kept
 * plan would be re-analysed each time the path differs, and a generic plan of a batch's upserts measured
 * slower than a fresh one. A text is named once it has been sent a few times (texts that are built with
 * values written in are rarely sent twice), up to a bound per pool. The name is a hash of the text, so a name
 * means one statement in every process, even behind a pooler that shares server connections.
 */
import { createHash } from "node:crypto";

/** Sends of one text before it is named. */
const USES_BEFORE_NAMING = 3;
/** Named texts per pool (each is prepared on each connection that sends it). */
const MAX_NAMED = 200;
/** Texts counted before the counts start over (a bound on memory, not a policy). */
const MAX_COUNTED = 10_000;

export class StatementNames {
  private readonly uses = new Map<string, number>();
  private readonly names = new Map<string, string>();
  private readonly refused = new Set<string>();

  constructor(private readonly maxNamed = MAX_NAMED) {}

  /** The name to send `text` under, or undefined to send it unnamed. */
  nameFor(text: string): string | undefined {
    const name = this.names.get(text);
    if (name !== undefined || this.names.size >= this.maxNamed || this.refused.has(text)) return name;
    const uses = (this.uses.get(text) ?? 0) + 1;
    if (uses < USES_BEFORE_NAMING) {
      if (this.uses.size >= MAX_COUNTED) this.uses.clear();
      this.uses.set(text, uses);
      return undefined;
    }
    this.uses.delete(text);
    const named = `kl_${createHash("sha256").update(text).digest("hex").slice(0, 24)}`;
    this.names.set(text, named);
    return named;
  }

  /** The server refused the prepared form of `text`: send it unnamed from now on. */
  refuse(text: string): void {
    this.names.delete(text);
    this.refused.add(text);
  }
}

/**
 * Errors of a statement's prepared form that its unnamed form would not meet: a table or view it reads
 * changed shape since it was prepared (a read model swapped to a new generation), or the server does not
 * have it (a pooler handed the call to another server connection, or someone ran `discard all`).
 */
export function isPreparedStatementFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === "26000" || (code === "0A000" && /cached plan must not change result type/.test(String((error as Error).message)));
}
