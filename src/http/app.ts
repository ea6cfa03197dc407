/**
 * The HTTP app: koa + @koa/router around declared routes. Cross-cutting concerns live here, once:
 * request ids, the access log line, metrics, problem bodies, authentication, validation and graceful
 * shutdown. Routes only map validated input to an answer.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import Koa, { type Context } from "koa";
import type { RouterContext, RouterMiddleware } from "@koa/router";
import type { z } from "zod";
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics.js";
import type { Authenticate, Principal } from "./auth.js";
import { DEFAULT_BODY_LIMIT_BYTES, readJsonBody } from "./body.js";
import { openApiDocument, type OpenApiInfo } from "./openapi.js";
import { checkJson, checkNames, malformedTarget } from "./input-rules.js";
import { notImplementedArea } from "./not-implemented.js";
import { HttpProblem, PROBLEM_CONTENT_TYPE, problem, problemFor } from "./problems.js";
import { toRouterPath, type Route } from "./route.js";
import { RoutersByPrefix } from "./routers-by-prefix.js";
import type { MeterUsage } from "./usage.js";

export interface HttpAppOptions {
  routes: readonly Route[];
  logger: Logger;
  metrics: Metrics;
  /** Run for every route whose auth is not "none". Without it, such routes answer 401. */
  authenticate?: Authenticate;
  /** Title, version and server URL of the generated OpenAPI document. */
  api: OpenApiInfo;
  /** How long close() lets in-flight requests run before cutting their connections. */
  shutdownTimeoutMs?: number;
  bodyLimitBytes?: number;
  /**
   * The rate limit a route's callers are held to (by client address), or undefined for none. Asked once per
   * route at start-up; checked before authentication and body parsing, so refused requests cost little.
   */
  rateLimit?: (route: Route) => RateLimitCheck | undefined;
  /**
   * Counts one failed authentication (any 401) against the client's address; answers how long to wait when
   * the address is over its allowance, and the 401 becomes a 429. Successes are never counted.
   */
  authFailures?: RateLimitCheck;
  /** Routes that answer on the raw response themselves (the MCP transport at /mcp). */
  rawRoutes?: readonly RawRoute[];
  /** Quota headers, request counting and over-quota payment for authenticated requests (src/http/usage.ts). */
  meterUsage?: MeterUsage;
  /** Run before routing, inside the problem and logging wrapper (the dashboard's session cookie and files). */
  middleware?: readonly Koa.Middleware[];
}

/**
 * A route that writes its answer on the Node response itself. Its JSON body is read (and limited) here; an
 * error it throws before writing anything becomes a problem answer like any route's.
 */
export interface RawRoute {
  method: "POST";
  path: string;
  handle(input: RawRequest): Promise<void>;
}

export interface RawRequest {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  body: unknown;
  /** A request header by name, case-insensitive. */
  header(name: string): string | undefined;
}

/** Undefined when the client may go ahead; else how long it should wait (the 429's Retry-After). */
export type RateLimitCheck = (clientIp: string) => Promise<{ retryAfterSeconds: number } | undefined>;

export interface HttpApp {
  app: Koa;
  /** Starts listening; resolves with the base URL once bound (port 0 picks a free port). */
  listen(port: number, host: string): Promise<{ url: string }>;
  /** Stops accepting, lets in-flight requests finish (bounded), closes idle keep-alive connections. */
  close(): Promise<void>;
}

interface RequestState {
  requestId: string;
  /** The declared pattern of the matched route; never the raw path, which may hold secret names. */
  route?: string;
}

const UNMATCHED = "unmatched";
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function requestIdOf(ctx: Context): string {
  const incoming = ctx.get("X-Request-Id");
  return SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** What the router's empty 404/405 means, in words. */
function routingDetail(ctx: Context): string {
  if (ctx.status === 405) return `${ctx.method} is not allowed here; allowed: ${ctx.response.get("Allow") || "none"}`;
  return "no such route";
}

/** The path's parameters checked by the input rules and, when they pass, parsed by the route: once per request. */
interface FittedParams {
  names: ReturnType<typeof checkNames>;
  /** The route's parse; absent when the input rules already refused the parameters. */
  values?: Record<string, unknown>;
}

/**
 * The path's parameters if they can be this route's: `/v1/agents/batch-delete` fits the pattern
 * `/v1/agents/{agent_id}` only by putting a word where an id belongs, so it is not that route. Text that breaks
 * the input rules does fit (the route answers 400 for it, naming the rule).
 */
function fittedParams(route: Route, params: Record<string, string> | undefined): FittedParams | undefined {
  const names = checkNames("params", params ?? {});
  if (names.issues.length > 0) return { names };
  const parsed = route.request.params.safeParse(names.values);
  return parsed.success ? { names, values: parsed.data } : undefined;
}

function sendProblem(ctx: Context, status: number, detail: string, headers: Record<string, string> = {},
  body = problem(status, detail)): void {
  ctx.status = status;
  ctx.set(headers);
  ctx.body = body;
  ctx.type = PROBLEM_CONTENT_TYPE;
}

/** "body.name: Invalid input: expected string" — zod's messages name paths and types, never the input. */
function describeIssues(where: string, error: z.ZodError): string[] {
  return error.issues.map((issue) => `${[where, ...issue.path.map(String)].join(".")}: ${issue.message}`);
}

export function createHttpApp(options: HttpAppOptions): HttpApp {
  const { logger, metrics } = options;
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
  // Built on first request, not at start: converting every schema is a tenth of a cold start (issue 12).
  let openApi: ReturnType<typeof openApiDocument> | undefined;
  let closing = false;

  async function principalFor(ctx: Context, state: RequestState): Promise<Principal> {
    const principal = await options.authenticate?.({ headers: ctx.headers, ip: ctx.ip, requestId: state.requestId });
    if (!principal) throw new HttpProblem(401, "authentication is required", { "WWW-Authenticate": "Bearer" });
    return principal;
  }

  async function validatedInput(ctx: Context, route: Route, fitted: FittedParams) {
    const issues: string[] = [];
    const check = <T>(where: string, schema: z.ZodType<T> | undefined, value: unknown): T | undefined => {
      if (!schema) return undefined;
      const result = schema.safeParse(value);
      if (result.success) return result.data;
      issues.push(...describeIssues(where, result.error));
      return undefined;
    };
    // The shared input rules first (input-rules.ts): a schema only ever sees storable, normalised text.
    const names = { params: fitted.names, query: checkNames("query", ctx.query) };
    const json = route.request.body ? await readJsonBody(ctx, bodyLimit) : undefined;
    const shared = [...names.params.issues, ...names.query.issues, ...checkJson("body", json)];
    if (shared.length > 0) throw new HttpProblem(400, shared.join("; "));
    // Reaching here, the input rules passed the parameters, so the route has parsed them (fittedParams).
    const params = fitted.values!;
    const query = check("query", route.request.query, names.query.values);
    const body = route.request.body ? check("body", route.request.body, json) : undefined;
    if (issues.length > 0) throw new HttpProblem(400, issues.join("; "));
    return { params, query: query ?? {}, body };
  }

  function handle(route: Route): RouterMiddleware {
    const rateLimit = options.rateLimit?.(route);
    return async (ctx, next) => {
      // Not this route after all: let a later one (or the unknown-path answer) have the request.
      const fitted = fittedParams(route, ctx.params);
      if (!fitted) return next();
      const state = ctx.state as RequestState;
      state.route = route.path;
      const limited = await rateLimit?.(ctx.ip);
      if (limited) {
        throw new HttpProblem(429, `too many requests; retry in ${limited.retryAfterSeconds} s`,
          { "Retry-After": String(limited.retryAfterSeconds) });
      }
      const principal = route.auth === "none" ? undefined
        : route.auth === "optional" ? await options.authenticate?.({ headers: ctx.headers, ip: ctx.ip, requestId: state.requestId })
        : await principalFor(ctx, state);
      const settlePayment = principal ? await options.meterUsage?.(ctx, route, principal) : undefined;
      const input = await validatedInput(ctx, route, fitted);
      const reply = await route.handler({
        ...input,
        principal,
        request: {
          id: state.requestId, ip: ctx.ip, userAgent: ctx.get("User-Agent") || undefined,
          header: (name: string) => ctx.get(name) || undefined,
        },
      });
      await settlePayment?.(reply.status);
      ctx.status = reply.status;
      if (reply.headers) ctx.set(reply.headers);
      if (reply.body !== undefined) ctx.body = reply.body;
    };
  }

  const router = new RoutersByPrefix<Route>();
  for (const route of options.routes) router.register(toRouterPath(route.path), [route.method], handle(route), route);

  /**
   * What a request no route answered gets, for every path alike: 405 with Allow when routes exist for the path
   * under other methods (counting only routes whose parameters the path can fill), 501 for a 1claw product
   * area Keyledger does not implement, else 404 (the problem body is written by the outer middleware).
   */
  const unanswered: Koa.Middleware = async (ctx, next) => {
    await next();
    if (ctx.body != null || ctx.status !== 404) return;
    const allowed = new Set<string>();
    for (const layer of (ctx as unknown as RouterContext).matched ?? []) {
      const route = router.tagOf(layer);
      if (route && !fittedParams(route, layer.params(ctx.path, layer.captures(ctx.path)))) continue;
      for (const method of layer.methods) allowed.add(method);
    }
    const operation = notImplementedArea(ctx.path, ctx.method);
    if (operation) return sendProblem(ctx, 501, `not implemented in Keyledger: ${operation}`);
    if (allowed.size > 0) {
      ctx.set("Allow", [...allowed].join(", "));
      if (ctx.method === "OPTIONS") ctx.status = 204;
      else ctx.status = 405;
      return;
    }
    const area = notImplementedArea(ctx.path);
    if (area) sendProblem(ctx, 501, `not implemented in Keyledger: ${area} (a 1claw product area outside Keyledger's scope)`);
  };
  for (const raw of options.rawRoutes ?? []) {
    router.register(raw.path, [raw.method], async (ctx) => {
      (ctx.state as RequestState).route = raw.path;
      const body = await readJsonBody(ctx, bodyLimit);
      // The same door as every route: storable text, bounded depth (input-rules.ts).
      const shared = checkJson("body", body);
      if (shared.length > 0) throw new HttpProblem(400, shared.join("; "));
      ctx.respond = false;
      try {
        await raw.handle({ req: ctx.req, res: ctx.res, body, header: (name) => ctx.get(name) || undefined });
      } catch (error) {
        if (ctx.res.headersSent) throw error;
        ctx.respond = true;
        throw error;
      }
    });
  }
  router.register("/openapi.json", ["GET"], (ctx) => {
    (ctx.state as RequestState).route = "/openapi.json";
    ctx.body = openApi ??= openApiDocument(options.routes, options.api);
  });
  router.register("/metrics", ["GET"], async (ctx) => {
    (ctx.state as RequestState).route = "/metrics";
    const { contentType, body } = await metrics.render();
    ctx.type = contentType;
    ctx.body = body;
  });

  // X-Forwarded-* are not trusted: ctx.ip is the peer address until a deployment option says otherwise.
  const app = new Koa({ proxy: false });
  // Failures after our middleware returned (e.g. the client vanished mid-response) still reach the log.
  app.on("error", (error: unknown) => logger.warn({ err: error }, "response failed"));
  app.use(async (ctx, next) => {
    const started = process.hrtime.bigint();
    const state = ctx.state as RequestState;
    state.requestId = requestIdOf(ctx);
    ctx.set("X-Request-Id", state.requestId);
    try {
      const malformed = malformedTarget(ctx.originalUrl);
      if (malformed) throw new HttpProblem(400, malformed);
      await next();
      // Unknown path (404), known path with another method (405, Allow set by `unanswered`), which includes
      // methods no route uses (TRACE, CONNECT, ...): the client's mistake, not a server fault.
      if (ctx.respond !== false && ctx.body == null && ctx.status >= 400) sendProblem(ctx, ctx.status, routingDetail(ctx));
    } catch (error) {
      let answer = problemFor(error);
      if (answer.problem.status === 401 && options.authFailures) {
        // A limiter that cannot answer (database down) must not turn a 401 into a 503.
        const limited = await options.authFailures(ctx.ip).catch(() => undefined);
        if (limited) {
          answer = problemFor(new HttpProblem(429, `too many failed authentications; retry in ${limited.retryAfterSeconds} s`,
            { "Retry-After": String(limited.retryAfterSeconds) }));
        }
      }
      if (answer.serverFault || ctx.respond === false) logger.error({ err: error, request_id: state.requestId }, "request failed");
      // A raw route that failed mid-answer: the answer is what it is; end it.
      if (ctx.respond === false) ctx.res.end();
      else sendProblem(ctx, answer.problem.status, answer.problem.detail, answer.headers, answer.problem);
    }
    // While shutting down, finished requests release their keep-alive connections.
    if (closing) ctx.set("Connection", "close");
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const status = ctx.respond === false ? ctx.res.statusCode : ctx.status;
    const route = state.route ?? UNMATCHED;
    metrics.observeHttpRequest({ method: ctx.method, route, status }, seconds);
    logger.info(
      { request_id: state.requestId, method: ctx.method, route, status, duration_ms: Math.round(seconds * 1e6) / 1e3 },
      "request",
    );
  });
  app.use(unanswered);
  for (const middleware of options.middleware ?? []) app.use(middleware);
  app.use(router.middleware());

  /**
   * Requests Node's HTTP parser refuses before koa sees them (oversized headers or URL, malformed request
   * lines, bytes that are not HTTP) get a problem body like every other answer; the raw bytes are not logged.
   */
  function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
    if (error.code === "ECONNRESET" || !socket.writable) return void socket.destroy();
    const status = error.code === "HPE_HEADER_OVERFLOW" ? 431
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
    const detail = status === 431 ? "the request's headers or URL are too large"
      : status === 408 ? "the request did not arrive in time" : "the request is not valid HTTP";
    const body = JSON.stringify(problem(status, detail));
    metrics.observeHttpRequest({ method: "unknown", route: UNMATCHED, status }, 0);
    logger.info({ status, code: error.code }, "request refused by the HTTP parser");
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }

  let server: http.Server | undefined;
  return {
    app,
    async listen(port, host) {
      const listening = http.createServer(app.callback());
      listening.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => answerClientError(error, socket));
      await new Promise<void>((resolve, reject) => {
        listening.once("error", reject);
        listening.listen(port, host, () => {
          listening.off("error", reject);
          resolve();
        });
      });
      server = listening;
      const address = listening.address() as AddressInfo;
      const hostname = address.family === "IPv6" ? `[${address.address}]` : address.address;
      return { url: `http://${hostname}:${address.port}` };
    },
    async close() {
      if (!server) return;
      const stopping = server;
      server = undefined;
      closing = true;
      const stopped = new Promise<void>((resolve) => stopping.close(() => resolve()));
      stopping.closeIdleConnections();
      const deadline = setTimeout(() => stopping.closeAllConnections(), shutdownTimeoutMs);
      try {
        await stopped;
      } finally {
        clearTimeout(deadline);
      }
    },
  };
}
