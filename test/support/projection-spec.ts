/**
 * Given events, expect rows: a read model's spec applies facts straight to its tables (in a schema of
 * their own on a fresh PGlite, through the same batching the runner uses) and compares what a query of
 * them returns. No server, no event store: the projection is a function from events to rows.
 */
import { randomUUID } from "node:crypto";
import { expect } from "chai";
import type { EventMetadata, RecordedEvent } from "../../events/recorded.js";
import type { Projection } from "../../projections/projection.js";
import { CoalescingQueryable } from "../../src/projection-runner/coalescing-queryable.js";
import { applyHandlers } from "../../src/projection-runner/runner.js";
import { freshPglite, type TestDatabase } from "./databases.js";

/** When the first given fact occurred; each next one occurs a minute later unless it says otherwise. */
export const SPEC_START = new Date("2026-01-01T00:00:00Z");

export interface GivenEvent {
  type: string;
  data: Record<string, unknown>;
  /** Defaults to `spec-<random uuid>`. */
  stream?: string;
  /** When it occurred (metadata `occurred_at`); defaults to a minute after the previous fact. */
  at?: Date;
  metadata?: EventMetadata;
}

/** A fact as `Definition.of(...)` builds it, with where and when it happened. */
export function fact(event: { type: string; data: Record<string, unknown> }, place: Omit<GivenEvent, "type" | "data"> = {}):
  GivenEvent {
  return { ...event, ...place };
}

export interface ProjectionSpec {
  /** Applies the facts, in order, on top of those of earlier `given` calls in the same test. */
  given(...events: Array<GivenEvent | { type: string; data: Record<string, unknown> }>): Promise<ProjectionSpec>;
  /** The rows `sql` (over the projection's unqualified table names) returns, compared deeply. */
  expectRows(sql: string, rows: Array<Record<string, unknown>>): Promise<void>;
}

/**
 * Declares the mocha hooks of a projection's spec: one database per file, fresh tables per test. Use the
 * returned function inside `it` to start from no events.
 */
export function describeProjection(projection: Projection): () => ProjectionSpec {
  let database: TestDatabase;
  let schema = "";
  let last = new Date(SPEC_START.getTime() - 60_000);
  let revision = 0n;

  before(async () => {
    database = await freshPglite();
  });
  after(async () => {
    await database?.dispose();
  });
  beforeEach(async () => {
    schema = `spec_${randomUUID().replaceAll("-", "")}`;
    last = new Date(SPEC_START.getTime() - 60_000);
    await database.db.exec(`create schema ${schema}; set search_path to ${schema}, public; ${projection.schema}`);
  });

  const spec: ProjectionSpec = {
    async given(...events) {
      const recorded = events.map((given): RecordedEvent => {
        const { stream, at, metadata } = given as GivenEvent;
        last = at ?? new Date(last.getTime() + 60_000);
        revision += 1n;
        return {
          id: randomUUID(), stream: stream ?? `spec-${randomUUID()}`, revision, position: { commit: revision, prepare: revision },
          type: given.type, data: given.data, metadata: { ...metadata, occurred_at: last.toISOString() }, recordedAt: last,
        };
      });
      await database.db.transaction(async (tx) => {
        await tx.exec(`set local search_path to ${schema}, public`);
        const batched = new CoalescingQueryable(tx);
        // The runner's way: run handlers (`onRun`) get their runs, the others one event at a time.
        await applyHandlers(projection, recorded, batched);
        await batched.flush();
      });
      return spec;
    },
    async expectRows(sql, rows) {
      const result = await database.db.transaction(async (tx) => {
        await tx.exec(`set local search_path to ${schema}, public`);
        return tx.query(sql);
      });
      expect(result.rows).to.deep.equal(rows);
    },
  };
  return () => spec;
}
