/**
 * Prometheus metrics: one registry per process (per app in tests), with the few recorders the rest of the
 * code calls. HTTP metrics are labelled by route pattern, never the raw path: paths hold secret names.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface HttpRequestLabels {
  method: string;
  /** The declared pattern (e.g. "/v1/vaults/{vaultId}/secrets/{path+}") or "unmatched". */
  route: string;
  status: number;
}

export interface Metrics {
  readonly registry: Registry;
  observeHttpRequest(labels: HttpRequestLabels, seconds: number): void;
  observeAppend(seconds: number): void;
  /** Reports projection lag at each scrape: seconds since the oldest event a projection has not applied. */
  trackProjectionLag(read: () => Promise<Array<{ name: string; lagSeconds: number }>>): void;
  /** Counts an event a projection could not apply (each failed attempt; the log line names the event). */
  projectionEventFailed(projection: string): void;
  /** The exposition text and its content type, for GET /metrics. */
  render(): Promise<{ contentType: string; body: string }>;
}

export interface MetricsOptions {
  /** Process metrics (CPU, memory, event loop, GC). On by default. */
  processMetrics?: boolean;
  /**
   * How to render more than this process's figures (every API worker's, added up), given this registry; when it
   * answers undefined, the process renders its own.
   */
  aggregate?: (registry: Registry) => (() => Promise<{ contentType: string; body: string }>) | undefined;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const httpRequests = new Counter({
    name: "keyledger_http_requests_total",
    help: "HTTP requests answered, by method, route pattern and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: "keyledger_http_request_duration_seconds",
    help: "Time to answer an HTTP request, by method, route pattern and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const appendDuration = new Histogram({
    name: "keyledger_eventstore_append_duration_seconds",
    help: "Time to append a batch of events to the event store",
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  let readLag: (() => Promise<Array<{ name: string; lagSeconds: number }>>) | undefined;
  new Gauge({
    name: "keyledger_projection_lag_seconds",
    help: "Age of the oldest event a projection has not applied yet (0 when caught up)",
    labelNames: ["projection"] as const,
    registers: [registry],
    // Every API worker reports the same read models: the leader from its position in memory, the others from the
    // catalog row it writes once a second for events it passes over. The smallest figure is the freshest view.
    aggregator: "min",
    async collect() {
      if (!readLag) return;
      for (const { name, lagSeconds } of await readLag()) this.set({ projection: name }, lagSeconds);
    },
  });

  const projectionFailures = new Counter({
    name: "keyledger_projection_event_failures_total",
    help: "Attempts by a projection to apply an event that failed (it retries from its checkpoint)",
    labelNames: ["projection"] as const,
    registers: [registry],
  });

  const renderAll = options.aggregate?.(registry);
  return {
    registry,
    projectionEventFailed(projection) {
      projectionFailures.inc({ projection });
    },
    observeHttpRequest({ method, route, status }, seconds) {
      const labels = { method, route, status: String(status) };
      httpRequests.inc(labels);
      httpDuration.observe(labels, seconds);
    },
    observeAppend(seconds) {
      appendDuration.observe(seconds);
    },
    trackProjectionLag(read) {
      readLag = read;
    },
    async render() {
      if (renderAll) return renderAll();
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
