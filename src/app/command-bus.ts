/**
 * The one way events get appended: read the aggregate's stream once (what it folded last time need not be
 * read again, nor what it appended itself: folded-states.ts), fold it, decide, append with the expected
 * revision, and on a conflict start over (someone else decided in between). This is what makes counters,
 * nonces and idempotency keys exact under concurrency.
 */
import { randomUUID } from "node:crypto";
import { foldRecorded, type Aggregate } from "../../commands/aggregate.js";
import type { DomainEvent } from "../../commands/decider.js";
import {
  WrongExpectedRevision, type AppendResult, type EventMetadata, type EventStore, type EventToAppend, type Position,
  type RecordedEvent,
} from "../eventstore/port.js";
import { FactBatcher } from "./fact-batcher.js";
import { FoldedStates } from "./folded-states.js";

export interface CommandContext {
  /** Who, from where, why: stamped on every event the command produces. */
  metadata: EventMetadata;
  /**
   * Wait for the read models to include the write before answering (default true). High-volume facts
   * that no read by the same caller depends on (secret reads, token issuance) pass false.
   */
  readYourWrites?: boolean;
}

export interface FactResult<Event extends DomainEvent> {
  events: Event[];
  /** Global position of the last appended event. */
  position: Position;
}

export interface CommandResult<State, Event extends DomainEvent> {
  /** What the decision appended (none when it decided nothing needed recording). */
  events: Event[];
  /** The aggregate's state with those events applied. */
  state: State;
  /** When the decision was taken: the `occurred_at` of its events. */
  at: Date;
  /** Global position of the last appended event; absent when the decision produced no events. */
  position?: Position;
}

/**
 * The command, or a function that builds it from the current state: for decisions that need work between
 * reading and deciding (sealing a value for the version number the state gives). It runs again on a retry.
 */
export type CommandInput<Command, State> = Command | ((state: State) => Command | Promise<Command>);

/**
 * Events just appended, as a read of the stream would give them back (their data through JSON, as stored):
 * the state kept after an append is then the fold a read would make, whatever the events' schemas do.
 */
function asRead(stream: string, appended: EventToAppend[], result: AppendResult): RecordedEvent[] {
  const first = result.nextRevision - BigInt(appended.length - 1);
  const recordedAt = new Date();
  return appended.map((event, i) => ({
    id: event.id, stream, revision: first + BigInt(i), position: result.position, type: event.type,
    data: JSON.parse(JSON.stringify(event.data)) as Record<string, unknown>, metadata: event.metadata ?? {}, recordedAt,
  }));
}

export class ConcurrencyRetriesExhausted extends Error {
  constructor(readonly stream: string, readonly attempts: number) {
    super(`stream ${stream}: still conflicting after ${attempts} attempts`);
    this.name = "ConcurrencyRetriesExhausted";
  }
}

export interface CommandBusOptions {
  store: EventStore;
  clock?: () => Date;
  /**
   * Attempts before giving up on a hot stream. Each round of a race has one winner, so a caller among n
   * contenders may lose up to n - 1 times before it wins or the decision refuses (a used-up limit): the
   * default covers 200 parallel callers on one stream, so exact counts do not turn into 503s.
   */
  maxAttempts?: number;
  /**
   * Read-your-writes: when given, handle() returns only once the read models include the appended events,
   * or after readYourWritesTimeoutMs, when it reports the lag and answers anyway (the write is committed;
   * failing the request would invite a duplicate retry).
   */
  /** Waits until the read models include position (those of projections handling one of `types`, when given). */
  readModels?: { waitFor(position: Position, timeoutMs: number, types?: readonly string[]): Promise<void> };
  readYourWritesTimeoutMs?: number;
  onReadModelsLagging?(error: unknown): void;
  /**
   * Told the types of events this bus appended once it has waited for the read models to include them
   * (read-your-writes), so that in-process caches of read models drop what they change.
   */
  onWritten?(types: readonly string[]): void;
  /** Told each stream this bus appended to, as soon as the append is durable (so that caches of streams drop it). */
  onAppended?(stream: string): void;
}

export class CommandBus {
  private readonly clock: () => Date;
  private readonly maxAttempts: number;
  private readonly facts: FactBatcher;
  private readonly folded = new FoldedStates();

  constructor(private readonly options: CommandBusOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.maxAttempts = options.maxAttempts ?? 250;
    this.facts = new FactBatcher(options.store);
  }

  async handle<Command, State, Event extends DomainEvent>(
    aggregate: Aggregate<Command, State, Event>,
    id: string,
    input: CommandInput<Command, State>,
    context: CommandContext,
  ): Promise<CommandResult<State, Event>> {
    const { store } = this.options;
    const { decider } = aggregate;
    const stream = aggregate.stream(id);
    const decideOn = async (state: State) => {
      const command = typeof input === "function"
        ? await (input as (state: State) => Command | Promise<Command>)(state) : input;
      const at = this.clock();
      return { at, events: decider.decide(command, state, at) };
    };
    // The fold this bus kept of the stream is trusted first: when another process appended since, the append
    // conflicts and the stream is read. A refusal or a decision to append nothing has no append to catch that,
    // so it is taken again on the stream as read before it stands.
    let trustKept = true;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const kept = trustKept ? this.folded.kept(aggregate, stream) : undefined;
      trustKept = false;
      let { state, revision } = kept ?? await this.folded.load(store, aggregate, stream);
      let decision = await decideOn(state).catch((error: unknown) => ({ error }));
      if (kept && ("error" in decision || decision.events.length === 0)) {
        ({ state, revision } = await this.folded.load(store, aggregate, stream));
        decision = await decideOn(state);
      }
      if ("error" in decision) throw decision.error;
      const { events, at } = decision;
      if (events.length === 0) return { events, state, at };
      const expected = revision ?? "no_stream";
      const metadata: EventMetadata = { ...context.metadata, occurred_at: at.toISOString() };
      try {
        const appended = events.map((event) => ({ id: randomUUID(), type: event.type, data: event.data, metadata }));
        const result = await store.append(stream, appended, expected);
        const next = foldRecorded(aggregate, asRead(stream, appended, result), state);
        this.folded.remember(aggregate, stream, result.nextRevision, next);
        this.options.onAppended?.(stream);
        if (context.readYourWrites !== false) await this.waitForReadModels(result.position, events);
        return { events, state: next, at, position: result.position };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevision)) throw error;
        // The kept fold was behind: read the rest and decide again. Otherwise a race was lost: decide again on
        // the newer state, after a short random pause that spreads out hot contenders.
        if (!kept) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(attempt, 10)));
      }
    }
    throw new ConcurrencyRetriesExhausted(stream, this.maxAttempts);
  }

  /**
   * Appends facts that need no decision (a denied request, a read of an unlimited secret): no stream to
   * fold, no conflict to retry (expected revision "any"), no wait for the read models unless asked.
   * Concurrent records share one transaction (FactBatcher).
   */
  async record<Event extends DomainEvent>(stream: string, events: Event[], context: CommandContext): Promise<FactResult<Event>> {
    const now = this.clock();
    const metadata: EventMetadata = { ...context.metadata, occurred_at: now.toISOString() };
    const result = await this.facts.append({
      stream, events: events.map((event) => ({ id: randomUUID(), type: event.type, data: event.data, metadata })),
    });
    this.folded.forget(stream);
    this.options.onAppended?.(stream);
    if (context.readYourWrites === true) await this.waitForReadModels(result.position, events);
    return { events, position: result.position };
  }

  /** Waits, up to the read-your-writes timeout, until the read models include `position` (a fact recorded without waiting). */
  async readModelsReach(position: Position): Promise<void> {
    await this.waitForReadModels(position, []);
  }

  private async waitForReadModels(position: Position, events: readonly DomainEvent[]): Promise<void> {
    const { readModels, readYourWritesTimeoutMs = 5000, onReadModelsLagging, onWritten } = this.options;
    if (!readModels) return;
    try {
      await readModels.waitFor(position, readYourWritesTimeoutMs, events.map((event) => event.type));
    } catch (error) {
      onReadModelsLagging?.(error);
    }
    onWritten?.(events.map((event) => event.type));
  }
}
