/**
 * `keyledger shroud`: the LLM proxy as a process of its own, on its own port, on the API server's stores
 * (PostgreSQL and the key provider). It runs the same projection runner as any API node (leadership is
 * shared by advisory lock), so it can wait for the read models it reads, and its own command bus appends
 * its facts. Inside a test, or beside a server in the same process, it can instead attach to that server's
 * stores (`attach`): the embedded PGlite store admits one process only.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { allProjections } from "../../projections/index.js";
import { CommandBus } from "../app/command-bus.js";
import type { RunningServer } from "../app/server.js";
import { openDatabase, openEventStore, openKeyProvider } from "../app/stores.js";
import { createAuthenticator } from "../auth/authenticator.js";
import { TokenService } from "../auth/tokens.js";
import { ConfigError, type Config } from "../config.js";
import type { Database } from "../db/database.js";
import type { EventStore } from "../eventstore/port.js";
import type { KeyProvider } from "../keys/port.js";
import type { Logger } from "../log.js";
import { ProjectionRunner } from "../projection-runner/runner.js";
import type { ShroudProcessConfig } from "./config.js";
import { RedactionManifests } from "./manifest.js";
import { proxyCall, sendShroudError, type Shape } from "./proxy.js";
import { HttpProblem } from "../http/problems.js";
import { ReadModelCache } from "../db/read-model-cache.js";
import { ShroudLookups } from "./lookups.js";

export interface RunningShroud {
  url: string;
  manifests: RedactionManifests;
  close(): Promise<void>;
}

export interface ShroudOptions {
  clock?: () => Date;
  /** The stores of a server running in this process, instead of opening them again. */
  attach?: Pick<RunningServer, "db" | "store" | "keys" | "runner">;
}

/** 1claw's answer for a build that runs outside a TEE: nothing is attested, and it says so. */
const ATTESTATION = {
  attested: false,
  attestation_level: "none",
  image_hash: "",
  identity_token: "",
  verification: {
    steps: ["This Shroud runs as an ordinary process (keyledger shroud), not in a confidential VM: there is no attestation to verify."],
    google_certs_url: "",
    expected_audience: "",
  },
};

/** The read-model tables a call's lookups read (authentication, router keys, authorization, the provider key's listing). */
const LOOKUP_TABLES = ["users", "agents", "router_keys", "revoked_tokens", "ip_rules", "vaults", "policies", "secrets"];
/** A backstop only: the log keeps the entries exact (lookups.ts). */
const LOOKUP_MAX_AGE_MS = 60_000;

const PROXY_ROUTES: ReadonlyArray<{ pattern: RegExp; shape: Shape }> = [
  { pattern: /^\/v1\/chat\/completions$/, shape: "chat" },
  { pattern: /^\/v1\/messages$/, shape: "messages" },
  { pattern: /^\/v1\/responses$/, shape: "responses" },
  { pattern: /^\/v1beta\/models\/([^/:]+):(?:generateContent|streamGenerateContent)$/, shape: "gemini" },
];

export async function startShroud(config: Config, shroud: ShroudProcessConfig, logger: Logger, options: ShroudOptions = {}):
  Promise<RunningShroud> {
  const closers: Array<() => Promise<unknown>> = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => {});
  };
  try {
    let db: Database, store: EventStore, keys: KeyProvider, runner: Pick<ProjectionRunner, "waitFor">;
    let cache: ReadModelCache | undefined;
    if (options.attach) {
      ({ db, store, keys, runner } = options.attach);
    } else {
      if (!config.databaseUrl) {
        throw new ConfigError(["DATABASE_URL: keyledger shroud shares the API server's stores, so it needs PostgreSQL " +
          "(the embedded PGlite store admits one process)"]);
      }
      db = await openDatabase(config, logger);
      closers.push(() => db.close());
      store = await openEventStore(config, db);
      closers.push(() => store.close());
      keys = await openKeyProvider(config);
      closers.push(() => keys.close());
      cache = new ReadModelCache({ db, projections: allProjections, tables: LOOKUP_TABLES, maxAgeMs: LOOKUP_MAX_AGE_MS });
      const lookupCache = cache;
      const own = new ProjectionRunner({ db, store, projections: allProjections, logger: logger.child({ component: "projections" }),
        onBatch: (projection) => lookupCache.projectionApplied(projection) });
      await own.start();
      closers.push(() => own.stop());
      runner = own;
    }
    // Attached to a server in this process, its own runner does not tell this cache: one as fresh as the log still works.
    cache ??= new ReadModelCache({ db, projections: allProjections, tables: LOOKUP_TABLES, maxAgeMs: LOOKUP_MAX_AGE_MS });
    const lookups = new ShroudLookups(cache, runner);
    const clock = options.clock ?? (() => new Date());
    const bus = new CommandBus({ store, clock, readModels: runner, readYourWritesTimeoutMs: config.readYourWritesTimeoutMs,
      onWritten: (types) => lookups.cache.eventsWritten(types) });
    const tokens = await TokenService.open(keys, { issuer: config.publicUrl ?? "keyledger", audience: "keyledger-api", clock });
    const authenticate = createAuthenticator({ db, lookups: cache.lookups, tokens, clock, logger });
    const manifests = new RedactionManifests({ db, store, keys, clock, readModels: runner, logger, onEvent: (event) => lookups.consider(event) });
    await manifests.start();
    closers.push(() => manifests.stop());
    const deps = { services: { db, lookups: cache.lookups, bus, store, keys, clock, config }, authenticate, manifests, lookups,
      config: shroud, logger, openStreams: new Map<string, number>() };

    const handle = async (req: IncomingMessage, res: ServerResponse) => {
      const requestId = randomUUID();
      const url = new URL(req.url ?? "/", "http://shroud.invalid");
      const ip = req.socket.remoteAddress ?? "";
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json", "x-request-id": requestId });
        res.end(JSON.stringify(body));
      };
      try {
        if (req.method === "GET") {
          if (url.pathname === "/healthz" || url.pathname === "/health/live") return json(200, { status: "ok" });
          if (url.pathname === "/health/ready") {
            const ready = await db.query("select 1").then(() => true, () => false);
            return json(ready ? 200 : 503, { status: ready ? "ok" : "unavailable" });
          }
          if (url.pathname === "/v1/shroud/attestation") return json(200, ATTESTATION);
        }
        for (const route of PROXY_ROUTES) {
          const match = route.pattern.exec(url.pathname);
          if (!match) continue;
          if (req.method !== "POST") throw new HttpProblem(405, `${url.pathname} answers POST`);
          return await proxyCall(deps, req, res, { shape: route.shape, path: url.pathname, search: url.searchParams,
            pathModel: match[1] && decodeURIComponent(match[1]), requestId, ip });
        }
        throw new HttpProblem(404, `no route ${req.method} ${url.pathname}`);
      } catch (error) {
        sendShroudError(res, error, logger, requestId);
      }
    };
    const http = createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve, reject) => http.once("error", reject).listen(shroud.port, shroud.host, resolve));
    closers.push(() => new Promise<void>((resolve) => {
      http.close(() => resolve());
      http.closeAllConnections();
    }));
    const { port } = http.address() as AddressInfo;
    const host = shroud.host === "0.0.0.0" || shroud.host === "::" ? "127.0.0.1" : shroud.host;
    const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
    // Hosts only: a base URL may carry credentials.
    const upstreams = Object.fromEntries(Object.entries(shroud.upstreams).map(([name, base]) => [name, new URL(base).host]));
    logger.info({ url, upstreams }, `shroud listening on ${url} (no TEE: attestation answers attested=false)`);
    return { url, manifests, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
