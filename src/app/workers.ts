/**
 * `KEYLEDGER_WORKERS` > 1: `keyledger serve` becomes a supervisor (node's cluster module) of that many API
 * processes sharing one port. One Node process could use one core, and an audited read costs about a
 * millisecond of it (issue 12). Each worker is a whole API node on the shared PostgreSQL and HSM, exactly as
 * several machines behind a load balancer are: projections are led by one of them (advisory locks), caches are
 * bounded across processes by the log, and the few jobs that must run once (the audit signer, CMEK rotations)
 * take an advisory lock of their own. The supervisor holds no stores: it forks, restarts and stops workers,
 * and answers `/metrics` with every worker's figures added up.
 */
import cluster, { type Worker } from "node:cluster";
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from "prom-client";
import type { Logger } from "../log.js";

/** Messages between a worker and the supervisor. */
const SHUTDOWN = "keyledger:shutdown";
/** A worker asks for every worker's metrics added up, and gets them. */
const METRICS_REQUEST = "keyledger:metrics-request";
const METRICS_RESPONSE = "keyledger:metrics-response";
/** The supervisor asks a worker for its own figures, and gets them. */
const FIGURES_REQUEST = "keyledger:figures-request";
const FIGURES_RESPONSE = "keyledger:figures-response";

interface Message {
  type?: string;
  id?: number;
  body?: string;
  contentType?: string;
  error?: string;
  figures?: MetricObjectWithValues<MetricValue<string>>[];
}

/** How long the supervisor waits for a worker's figures before `/metrics` fails. */
const FIGURES_TIMEOUT_MS = 5000;

/** A worker that dies sooner than this after its start counts as failing: its replacement waits longer. */
const STABLE_AFTER_MS = 30_000;
const FIRST_RESTART_DELAY_MS = 1000;
const MAX_RESTART_DELAY_MS = 30_000;

/**
 * Runs `count` workers until SIGINT or SIGTERM, then asks each to shut down gracefully and resolves once all
 * have exited (a second signal ends them at once). A worker that dies otherwise is replaced, after a delay
 * that doubles while replacements keep dying young. The first worker starts alone, so that a first start on
 * fresh stores creates schemas and keys once; the others start when it listens.
 */
export async function superviseWorkers(count: number, logger: Logger): Promise<void> {
  const listening = new Set<Worker>();
  const figures = new WorkerFigures(listening);
  let stopping = false;
  /** Halved here so that the first replacement of a worker that died young waits FIRST_RESTART_DELAY_MS too. */
  let restartDelayMs = FIRST_RESTART_DELAY_MS / 2;
  const startedAt = new Map<Worker, number>();

  const fork = () => {
    const worker = cluster.fork();
    startedAt.set(worker, Date.now());
    return worker;
  };

  cluster.on("listening", (worker) => listening.add(worker));
  cluster.on("message", (worker, message: Message) => {
    if (message?.type === FIGURES_RESPONSE) return figures.replies.answer(message);
    if (message?.type !== METRICS_REQUEST) return;
    figures.addedUp().then(
      ({ body, contentType }) => worker.isConnected() && worker.send({ type: METRICS_RESPONSE, id: message.id, body, contentType }),
      (error: unknown) => worker.isConnected() &&
        worker.send({ type: METRICS_RESPONSE, id: message.id, error: error instanceof Error ? error.message : String(error) }));
  });

  const allExited = new Promise<void>((resolve) => {
    cluster.on("exit", (worker, code, signal) => {
      listening.delete(worker);
      figures.replies.abandon(worker, { figures: [] }); // what it counted died with it
      const lived = Date.now() - (startedAt.get(worker) ?? Date.now());
      startedAt.delete(worker);
      if (stopping) {
        if (Object.keys(cluster.workers ?? {}).length === 0) resolve();
        return;
      }
      restartDelayMs = lived >= STABLE_AFTER_MS ? FIRST_RESTART_DELAY_MS : Math.min(restartDelayMs * 2, MAX_RESTART_DELAY_MS);
      logger.error({ pid: worker.process.pid, code, signal, restart_in_ms: restartDelayMs }, "API worker exited; starting another");
      setTimeout(() => {
        if (!stopping) fork();
      }, restartDelayMs).unref();
    });
  });

  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGKILL");
      process.exit(signal === "SIGINT" ? 130 : 143);
    }
    stopping = true;
    logger.info({ signal }, "shutting down the API workers");
    // A listening worker gets a message, not the signal: a terminal's Ctrl-C already sent SIGINT to every
    // worker, and a second signal would end it at once instead of letting it finish its requests. One still
    // starting may not listen for messages yet: SIGTERM stops it (gracefully, once it has its handlers).
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (!worker) continue;
      if (listening.has(worker) && worker.isConnected()) worker.send({ type: SHUTDOWN });
      else worker.process.kill("SIGTERM");
    }
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  };
  process.on("SIGINT", shutdown).on("SIGTERM", shutdown);

  logger.info({ workers: count }, "starting the API workers");
  const first = fork();
  await new Promise<void>((resolve) => {
    const firstListens = (worker: Worker) => {
      if (worker !== first) return;
      cluster.off("listening", firstListens);
      resolve();
    };
    cluster.on("listening", firstListens);
    first.once("exit", () => {
      cluster.off("listening", firstListens);
      resolve();
    });
  });
  if (!stopping) for (let i = 1; i < count; i++) fork();
  await allExited;
  logger.info({}, "stopped");
}

/** In a worker: calls `shutdown` when the supervisor asks it to stop. */
export function onSupervisorShutdown(shutdown: () => void): void {
  if (!cluster.isWorker) return;
  process.on("message", (message: Message) => {
    if (message?.type === SHUTDOWN) shutdown();
  });
}

/**
 * In a worker: offers its registry to the supervisor's aggregation, and answers how to render every worker's
 * metrics added up (undefined outside a worker: the process renders its own).
 */
export function clusterMetrics(registry: Registry): (() => Promise<{ contentType: string; body: string }>) | undefined {
  if (!cluster.isWorker) return undefined;
  const replies = new Replies();
  process.on("message", (message: Message) => {
    if (message?.type === FIGURES_REQUEST) {
      registry.getMetricsAsJSON().then(
        (own) => process.send?.({ type: FIGURES_RESPONSE, id: message.id, figures: own }),
        (error: unknown) => process.send?.({ type: FIGURES_RESPONSE, id: message.id, error: error instanceof Error ? error.message : String(error) }));
    } else if (message?.type === METRICS_RESPONSE) {
      replies.answer(message);
    }
  });
  return async () => {
    const reply = await replies.ask((id) => process.send!({ type: METRICS_REQUEST, id }))
      .catch((error: Error) => { throw new Error(`metrics of the other workers: ${error.message}`); });
    return { contentType: reply.contentType!, body: reply.body! };
  };
}

/**
 * The supervisor's side of `/metrics`: asks every worker that listens for its figures and adds them up
 * (prom-client's aggregation: sums, except where a metric names another way). Workers still starting are not
 * asked (the set holds the listening ones): they have answered nothing yet, and would not reply before ready.
 */
class WorkerFigures {
  readonly replies = new Replies();

  constructor(private readonly listening: ReadonlySet<Worker>) {}

  async addedUp(): Promise<{ body: string; contentType: string }> {
    const replies = await Promise.all([...this.listening].map(async (worker) => {
      const reply = await this.replies.ask((id) => worker.send({ type: FIGURES_REQUEST, id }), {
        timeoutMs: FIGURES_TIMEOUT_MS, timeoutError: `worker ${worker.process.pid} did not answer in ${FIGURES_TIMEOUT_MS} ms`, to: worker,
      });
      return reply.figures ?? [];
    }));
    const registry = AggregatorRegistry.aggregate(replies);
    return { body: await registry.metrics(), contentType: registry.contentType };
  }
}

/** Requests sent over a process channel, each waiting for the reply that carries its id. */
class Replies {
  private nextId = 0;
  private readonly waiting = new Map<number, { to?: unknown; settle: (message: Message) => void }>();

  /** Sends a request under a fresh id; resolves with its reply, rejects with the reply's error or on the timeout. */
  ask(send: (id: number) => void, options: { timeoutMs?: number; timeoutError?: string; to?: unknown } = {}): Promise<Message> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = options.timeoutMs === undefined ? undefined
        : setTimeout(() => settle({ error: options.timeoutError ?? "no reply in time" }), options.timeoutMs);
      const settle = (message: Message) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        if (message.error !== undefined) reject(new Error(message.error));
        else resolve(message);
      };
      this.waiting.set(id, { to: options.to, settle });
      send(id);
    });
  }

  answer(message: Message): void {
    if (message.id !== undefined) this.waiting.get(message.id)?.settle(message);
  }

  /** Settles every request sent to `to` (a worker that died) with `message`. */
  abandon(to: unknown, message: Message): void {
    for (const { to: sentTo, settle } of [...this.waiting.values()]) if (sentTo === to) settle(message);
  }
}
