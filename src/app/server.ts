/**
 * The running server: opens the stores the configuration names, starts the projection runner and the
 * HTTP API, and closes everything in order on shutdown (stop accepting, finish in-flight requests, stop
 * the runners, close the stores).
 */
import { allProjections } from "../../projections/index.js";
import type { Config } from "../config.js";
import type { Database } from "../db/database.js";
import { instrumentAppends } from "../eventstore/instrumented.js";
import type { EventStore } from "../eventstore/port.js";
import { createHttpApp } from "../http/app.js";
import { createDatabaseIfAbsent } from "../db/create-database.js";
import { loopbackUrl, mcpHttpRoute } from "../mcp/http.js";
import { authFailureLimit, authRateLimit } from "../http/auth-rate-limit.js";
import { openRateLimiter } from "../rate-limit/rate-limiter.js";
import { dashboardStatic, defaultDashboardDir } from "../http/dashboard-static.js";
import { sessionCookieAuth } from "../http/session-cookie.js";
import { createAuthenticator } from "../auth/authenticator.js";
import { TokenService } from "../auth/tokens.js";
import { createOutboxMailer } from "../mail/outbox.js";
import { createSmtpMailer } from "../mail/smtp.js";
import path from "node:path";
import type { KeyProvider } from "../keys/port.js";
import type { Logger } from "../log.js";
import { createMetrics } from "../metrics.js";
import { ProjectionRunner } from "../projection-runner/runner.js";
import { ReadModelCache } from "../db/read-model-cache.js";
import { StreamCache } from "../eventstore/stream-cache.js";
import { CommandBus } from "./command-bus.js";
import { ReadModelNotifications } from "./read-model-notifications.js";
import { appRoutes } from "./routes.js";
import { CmekRotationRunner } from "../cmek/rotation.js";
import { startAuditSigner } from "../audit/signer.js";
import { checkKeyProviderIdentity } from "../keys/identity.js";
import type { Services } from "./services.js";
import { lockDataDir } from "./data-dir-lock.js";
import { describeStores, openDatabase, openEventStore, openKeyProvider } from "./stores.js";
import { version } from "../version.js";
import { openIntents } from "../intents/index.js";
import { UsageMeter } from "../billing/usage-meter.js";
import { httpFacilitator } from "../billing/x402.js";
import { meterUsage } from "../http/usage.js";
import { clusterMetrics } from "./workers.js";

/**
 * The least time between two batches of a read model while nobody waits for one: under a load of reads, the
 * audit log's and the reads' read models commit a batch per ~10 reads instead of one per fact batch (issue 12).
 * Read-your-writes waiters end the pause at once, here and (by their notification) in other processes.
 */
const READ_MODEL_BATCH_INTERVAL_MS = 100;

/** The read models every request looks up (authentication and authorization), cached in process. */
const LOOKUP_TABLES = ["users", "agents", "revoked_tokens", "ip_rules", "vaults", "policies"];

export interface RunningServer {
  url: string;
  db: Database;
  store: EventStore;
  keys: KeyProvider;
  runner: ProjectionRunner;
  services: Services;
  close(): Promise<void>;
}

/** Opens resources one by one; on failure, closes what was opened, newest first. */
class Resources {
  private readonly closers: Array<{ name: string; close: () => Promise<unknown> }> = [];
  add<T>(name: string, resource: T, close: (r: T) => Promise<unknown>): T {
    this.closers.push({ name, close: () => close(resource) });
    return resource;
  }
  async closeAll(logger: Logger): Promise<void> {
    for (const { name, close } of this.closers.splice(0).reverse()) {
      await close().catch((error: unknown) =>
        logger.error({ err: error instanceof Error ? error.message : String(error), resource: name }, "close failed"));
    }
  }
}

export interface ServerOptions {
  /** What "now" is for every decision, token and query (tests pass a clock they can move). */
  clock?: () => Date;
}

export async function startServer(config: Config, logger: Logger, options: ServerOptions = {}): Promise<RunningServer> {
  const resources = new Resources();
  try {
    const embedded = !config.databaseUrl;
    if (embedded || config.keyProvider.kind === "local") {
      resources.add("data dir lock", await lockDataDir(config.dataDir, (warning) => logger.warn({}, warning)),
        (lock) => lock.release());
    }
    if (config.databaseUrl && (await createDatabaseIfAbsent(config.databaseUrl))) {
      logger.warn({ database: new URL(config.databaseUrl).pathname.slice(1) }, "created the database DATABASE_URL names");
    }
    const metrics = createMetrics({ aggregate: clusterMetrics });
    const db = resources.add("database", await openDatabase(config, logger), (d) => d.close());
    const store = resources.add("event store",
      instrumentAppends(await openEventStore(config, db), (s) => metrics.observeAppend(s)), (s) => s.close());
    const keys = resources.add("key provider", await openKeyProvider(config), (k) => k.close());
    // Before anything could create a key in a provider that is not the store's.
    await checkKeyProviderIdentity(db, keys, { record: true });
    const stores = describeStores(config);
    if (keys.kind === "local") {
      logger.warn({ keys: stores.keys }, "LOCAL KEY PROVIDER: keys are software keys in the data directory, not in an HSM");
    }

    const lookupCache = new ReadModelCache({ db, projections: allProjections, tables: LOOKUP_TABLES });
    // Other processes on the database (workers, nodes) wait for the read models this one leads, and the
    // other way round: they tell each other when a batch commits, so that waiters need not wait for a poll.
    const notifications = db.engine === "postgres"
      ? resources.add("read model notifications", new ReadModelNotifications(db), (n) => n.close()) : undefined;
    const runner = new ProjectionRunner({ db, store, projections: allProjections, logger: logger.child({ component: "projections" }),
      onEventFailed: (projection) => metrics.projectionEventFailed(projection),
      // Before the runner releases read-your-writes waiters: a write's answer never meets a stale lookup.
      onBatch: (projection) => lookupCache.projectionApplied(projection),
      onWaitingOnOthers: () => notifications?.waitingOnOthers(),
      batchCommitStatement: () => notifications?.batchCommitStatement(),
      batchIntervalMs: READ_MODEL_BATCH_INTERVAL_MS });
    await runner.start();
    resources.add("projection runner", runner, (r) => r.stop());
    if (notifications && config.databaseUrl) await notifications.listen(config.databaseUrl, () => runner.advancedElsewhere(), () => runner.hurry());
    metrics.trackProjectionLag(async () => (await runner.status()).map(({ name, lagSeconds }) => ({ name, lagSeconds })));

    const clock = options.clock ?? (() => new Date());
    const recentStreams = new StreamCache({ store });
    const bus = new CommandBus({
      store, clock, readModels: runner, readYourWritesTimeoutMs: config.readYourWritesTimeoutMs,
      onReadModelsLagging: (error) => logger.warn({ err: error instanceof Error ? error.message : String(error) },
        "read models lagging: answering before they include the write"),
      onWritten: (types) => lookupCache.eventsWritten(types),
      onAppended: (stream) => recentStreams.streamAppended(stream),
    });
    const tokens = await TokenService.open(keys, {
      issuer: config.publicUrl ?? "keyledger", audience: "keyledger-api", clock,
    });
    const mail = resources.add("mailer", config.smtpUrl
      ? createSmtpMailer({ url: config.smtpUrl, from: config.mailFrom }, logger)
      : createOutboxMailer(path.join(config.dataDir, "outbox"), logger), (m) => m.close());
    const services: Services = { config, logger, db, lookups: lookupCache.lookups, store, recentStreams, keys, bus, tokens, mail, clock };
    resources.add("audit signer", startAuditSigner(services, config.auditSignIntervalSeconds * 1000,
      logger.child({ component: "audit" })), (signer) => signer.stop());

    const intents = resources.add("intents", openIntents(services), (i) => i.close());
    const { facilitatorUrl } = config.billing.x402;
    // Added before the HTTP server, so closed after it: the last requests' counts are recorded on shutdown.
    const usage = resources.add("usage meter", new UsageMeter(services, facilitatorUrl ? httpFacilitator(facilitatorUrl) : undefined),
      (meter) => meter.close());
    // Jobs the previous process was running lost their keys with it: finish their committed batch and pause them.
    const cmekRotations = resources.add("CMEK rotations", new CmekRotationRunner(services), (r) => r.stop());
    await runner.waitFor(await store.headPosition(), config.readYourWritesTimeoutMs).catch((error: unknown) =>
      logger.warn({ err: error instanceof Error ? error.message : String(error) }, "read models still catching up at start-up"));
    await cmekRotations.recoverInterrupted();

    const authLimiter = await openRateLimiter(db, config.authRateLimit, "auth");
    // The hosted MCP server is a client of this API like any other: it calls it over loopback HTTP.
    let apiUrl = "";
    const http = createHttpApp({
      routes: appRoutes(services, { projections: runner, intents, usage, cmekRotations }),
      authenticate: createAuthenticator(services),
      logger,
      metrics,
      api: { title: "Keyledger API", version, serverUrl: config.publicUrl },
      shutdownTimeoutMs: config.shutdownTimeoutMs,
      rateLimit: authRateLimit(authLimiter),
      authFailures: authFailureLimit(await openRateLimiter(db, config.authRateLimit, "auth_failures")),
      rawRoutes: [mcpHttpRoute({ apiUrl: () => apiUrl })],
      meterUsage: meterUsage(usage, config.publicUrl),
      middleware: dashboardMiddleware(config, logger),
    });
    const { url } = await http.listen(config.port, config.host);
    apiUrl = loopbackUrl(url);
    resources.add("http server", http, (h) => h.close());
    logger.info({ url, ...stores, dataDir: embedded ? config.dataDir : undefined }, `keyledger listening on ${displayUrl(url)}`);

    return { url, db, store, keys, runner, services, close: () => resources.closeAll(logger) };
  } catch (error) {
    await resources.closeAll(logger);
    throw error;
  }
}

/** The dashboard's session cookie and, when built, its files (same origin as the API). */
function dashboardMiddleware(config: Config, logger: Logger) {
  const files = dashboardStatic(defaultDashboardDir(), (message) => logger.warn({}, message));
  return [sessionCookieAuth({ secure: config.publicUrl?.startsWith("https://") ?? false }), ...(files ? [files] : [])];
}

/** "http://0.0.0.0:8080" is where we listen, not an address to open: show localhost instead. */
function displayUrl(url: string): string {
  return url.replace("//0.0.0.0:", "//localhost:").replace("//[::]:", "//localhost:");
}
