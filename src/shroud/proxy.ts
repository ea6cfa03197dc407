/**
 * One proxied model call, end to end: authenticate the agent, read and inspect the request, apply the
 * policy engine (providers, models, token cap, then the exact per-day admission), fetch the provider key,
 * forward with only the headers a provider needs, inspect the answer (whole, or frame by frame for a
 * stream), and record the call. A call through a router key also meets that key's limits (router-rail.ts).
 * Blocks answer in OpenAI's error shape with `type: "shroud_error"`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Forbidden, Invalid, PaymentRequired, RateLimited } from "../../commands/errors.js";
import { shroudUsageAggregate } from "../../commands/shroud-usage.js";
import type { CommandBus } from "../app/command-bus.js";
import type { Services } from "../app/services.js";
import type { EventMetadata } from "../eventstore/port.js";
import type { Authenticate } from "../http/auth.js";
import { HttpProblem, problemFor } from "../http/problems.js";
import type { Logger } from "../log.js";
import { CallRecord, dayOf, recordCall, usageStreamId } from "./activity.js";
import { authenticateShroudCaller, type ShroudCaller } from "./agent-auth.js";
import type { Provider, ShroudProcessConfig } from "./config.js";
import { PROVIDERS } from "./config.js";
import type { Threat } from "./detectors/threat.js";
import { inspectRequest } from "./inspect.js";
import { cleanResponseText, inspectResponse } from "./inspect-response.js";
import type { ShroudLookups } from "./lookups.js";
import type { RedactionManifests } from "./manifest.js";
import { costMicroUsd } from "./prices.js";
import { resolveProviderKey } from "./provider-key.js";
import { admitRouterKeySpend, recordRouterKeySpend, ROUTER_RAIL_MAX_BODY_BYTES } from "./router-rail.js";
import { canonicalProvider, shroudSettings, type ShroudSettings } from "./settings.js";
import { formatSse, SseParser, type SseEvent } from "./sse.js";
import { blockedFrames, StreamGate } from "./stream-gate.js";
import { StreamRedaction, usageOf } from "./stream-redaction.js";

export type Shape = "chat" | "messages" | "responses" | "gemini";

export interface ProxyDependencies {
  services: Pick<Services, "db" | "lookups" | "bus" | "store" | "keys" | "clock" | "config">;
  authenticate: Authenticate;
  manifests: RedactionManifests;
  lookups: ShroudLookups;
  config: ShroudProcessConfig;
  logger: Logger;
  /** Streams open per agent, and per router key (`router_key:<id>`), in this process (max_concurrent_streams). */
  openStreams: Map<string, number>;
}

/** A refusal of the policy engine or a detector (403), in 1claw's words. */
export class ShroudBlocked extends Forbidden {
  constructor(message: string) {
    super(message);
    this.name = "ShroudBlocked";
  }
}

class StreamLimit extends RateLimited {
  constructor(limit: number, holder: "agent" | "router key") {
    super(`max_concurrent_streams (${limit}) exceeded for ${holder}`, 1);
    this.name = "StreamLimit";
  }
}

class BadRequestBody extends Invalid {
  constructor(message: string) {
    super(message);
    this.name = "BadRequestBody";
  }
}

/** Headers a provider may need from the client; everything else (credentials, cookies, client addresses) stays here. */
const FORWARDED_HEADERS = ["anthropic-version", "anthropic-beta", "openai-beta", "accept"];

export function sendShroudError(res: ServerResponse, error: unknown, logger: Logger, requestId: string): number {
  const { problem, headers, serverFault } = problemFor(error);
  if (serverFault) logger.error({ request_id: requestId, err: error instanceof Error ? error.name : "error" }, "shroud call failed");
  if (res.headersSent) {
    res.end();
    return problem.status;
  }
  const message = serverFault && !(error instanceof HttpProblem) ? "Shroud could not complete the call" : problem.detail;
  res.writeHead(problem.status, { ...headers, "content-type": "application/json", "x-request-id": requestId });
  // A 402 carries its x402 fields beside the error, where x402 clients look for them.
  const extensions = error instanceof PaymentRequired ? error.extensions : {};
  res.end(JSON.stringify({ ...extensions, error: { type: "shroud_error", message, code: problem.status } }));
  return problem.status;
}

/**
 * The body, or 413 as soon as it passes the limit. The rest is drained, not read: leaving a `for await` over
 * the request destroys it, and with it the socket the 413 has to go out on.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const cutOff = () => reject(new HttpProblem(400, "request body was cut off"));
    if (req.destroyed) return cutOff();
    const chunks: Buffer[] = [];
    let size = 0;
    const collect = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off("data", collect);
      req.resume();
      reject(new HttpProblem(413, `request body exceeds ${limit} bytes`));
    };
    req.on("data", collect);
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
    // A client gone before the end: nothing more will arrive (after the end this changes nothing).
    req.once("close", cutOff);
  });
}

function pickProvider(header: string | undefined, shape: Shape, model: string): string {
  if (header) return canonicalProvider(header);
  if (shape === "messages") return "anthropic";
  if (shape === "gemini") return "google";
  if (model.startsWith("claude-")) return "anthropic";
  if (model.startsWith("gemini-")) return "google";
  return "openai";
}

function staticPolicy(settings: ShroudSettings, provider: string, model: string): string | undefined {
  if (settings.allowedProviders.length > 0 && !settings.allowedProviders.includes(provider)) {
    return `provider '${provider}' not in allowed_providers`;
  }
  if (settings.deniedModels.includes(model)) return `model '${model}' is in denied_models`;
  if (settings.allowedModels.length > 0 && !settings.allowedModels.includes(model)) return `model '${model}' not in allowed_models`;
  return undefined;
}

function providerAuth(provider: Provider, key: string): Record<string, string> {
  if (provider === "anthropic") return { "x-api-key": key };
  if (provider === "google") return { "x-goog-api-key": key };
  return { authorization: `Bearer ${key}` };
}

function inspectionHeader(threats: Threat[], extra: { unicode: boolean; injection: number; pii: string[]; secrets: number }): string | undefined {
  if (threats.length === 0 && !extra.unicode && extra.injection === 0 && extra.pii.length === 0 && extra.secrets === 0) return undefined;
  const of = (type: string) => threats.filter((t) => t.threat_type === type);
  return JSON.stringify({
    unicode_normalized: extra.unicode, command_injection_detected: of("command_injection"),
    social_engineering_detected: of("social_engineering"), encoding_detected: of("encoding"),
    network_threats_detected: of("network"), filesystem_threats_detected: of("filesystem"),
    injection_score: extra.injection, pii_detected: extra.pii.length > 0, secrets_redacted: extra.secrets,
  });
}

export async function proxyCall(deps: ProxyDependencies, req: IncomingMessage, res: ServerResponse,
  route: { shape: Shape; path: string; search: URLSearchParams; pathModel?: string; requestId: string; ip: string }): Promise<void> {
  const { services, config, logger } = deps;
  const started = performance.now();
  const record = new CallRecord(route.path, started);
  let caller: ShroudCaller | undefined;
  let metadata: EventMetadata = { request_id: route.requestId, client_ip: route.ip };
  const streamsOpen = deps.openStreams;
  /** The stream counters this call holds a slot of. */
  let heldStreams: string[] = [];
  try {
    // The log up to its head, once per call: the redaction manifest and the cached lookups are exact as of it.
    const head = await deps.manifests.follow();
    await deps.lookups.fresh();
    caller = await authenticateShroudCaller(deps.authenticate, { db: services.lookups ?? services.db, clock: services.clock }, { headers: req.headers, ip: route.ip, requestId: route.requestId });
    const { principal, agent } = caller;
    metadata = { ...metadata, actor: { type: "agent", id: agent.id }, org_id: agent.orgId,
      ...(req.headers["user-agent"] && { user_agent: String(req.headers["user-agent"]).slice(0, 500) }) };
    const settings = shroudSettings(agent.shroudConfig);

    const raw = await readBody(req, caller.routerKey ? Math.min(config.maxBodyBytes, ROUTER_RAIL_MAX_BODY_BYTES) : config.maxBodyBytes);
    record.requestBytes = raw.length;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(raw.toString("utf8"));
    } catch {
      throw new BadRequestBody("request body must be a JSON object");
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new BadRequestBody("request body must be a JSON object");

    const modelHeader = req.headers["x-shroud-model"];
    const model = (typeof modelHeader === "string" && modelHeader) || (typeof parsed.model === "string" ? parsed.model : route.pathModel ?? "");
    if (!model) throw new BadRequestBody("no model: give X-Shroud-Model or a model in the body");
    const providerHeader = req.headers["x-shroud-provider"];
    const provider = pickProvider(typeof providerHeader === "string" ? providerHeader : undefined, route.shape, model);
    record.provider = provider;
    record.model = model;
    if (!(PROVIDERS as readonly string[]).includes(provider)) throw new HttpProblem(502, `provider ${provider} has no client pool`);

    const violation = staticPolicy(settings, provider, model);
    if (violation) {
      record.policyViolations.push(violation);
      throw new ShroudBlocked(violation);
    }

    // Secret injection needs the vault's values too: a vault value is not a foreign credential.
    const matcher = settings.secretRedaction || settings.secretInjection.enabled ? await deps.manifests.matcherFor(principal, route.ip, head) : undefined;
    const inspection = inspectRequest(parsed, settings, matcher);
    record.findings.push(...inspection.findings);
    Object.assign(record, { secretsRedacted: inspection.secretsRedacted, piiDetected: inspection.piiCategories,
      injectionScore: inspection.injectionScore, contextInjectionScore: inspection.contextInjectionScore,
      requestTokens: inspection.requestTokens });
    if (inspection.blocked) {
      record.policyViolations.push(inspection.blocked);
      throw new ShroudBlocked(inspection.blocked);
    }
    if (settings.maxTokensPerRequest !== null && inspection.requestTokens > settings.maxTokensPerRequest) {
      const message = `request token count ${inspection.requestTokens} exceeds max_tokens_per_request ${settings.maxTokensPerRequest}`;
      record.policyViolations.push(message);
      throw new ShroudBlocked(message);
    }

    const stream = parsed.stream === true || route.path.endsWith(":streamGenerateContent");
    record.streamed = stream;
    if (stream) heldStreams = openStream(streamsOpen, caller, settings.maxConcurrentStreams);

    if (caller.routerKey) await admitRouterKeySpend(services.bus, caller.routerKey, record, metadata);
    await admit(services.bus, settings, record, agent, services.clock(), metadata);

    const keyHeader = req.headers["x-shroud-api-key"];
    const providerKey = await resolveProviderKey(services, { principal, ip: route.ip, metadata }, provider,
      typeof keyHeader === "string" ? keyHeader.trim() : undefined);

    const body = inspection.body as Record<string, unknown>;
    if (stream && route.shape === "chat") {
      body.stream_options = { ...(typeof body.stream_options === "object" ? body.stream_options : {}), include_usage: true };
    }
    const search = new URLSearchParams(route.search);
    search.delete("key");
    const query = search.toString();
    const headers: Record<string, string> = { "content-type": "application/json", ...providerAuth(provider as Provider, providerKey) };
    for (const name of FORWARDED_HEADERS) {
      const value = req.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    if (provider === "anthropic") headers["anthropic-version"] ??= "2023-06-01";

    const aborted = new AbortController();
    res.once("close", () => aborted.abort());
    let upstream: Response;
    try {
      upstream = await fetch(`${config.upstreams[provider as Provider]}${route.path}${query ? `?${query}` : ""}`, {
        method: "POST", headers, body: JSON.stringify(body),
        signal: AbortSignal.any([aborted.signal, AbortSignal.timeout(config.upstreamTimeoutMs)]),
      });
    } catch {
      throw new HttpProblem(502, `upstream provider ${provider} is unreachable`);
    }

    const requestHeader = inspectionHeader(inspection.threats, { unicode: inspection.unicodeNormalized,
      injection: inspection.injectionScore, pii: inspection.piiCategories, secrets: inspection.secretsRedacted });
    const common: Record<string, string> = { "x-request-id": route.requestId, ...(requestHeader && { "x-shroud-inspection": requestHeader }) };
    if ((upstream.headers.get("content-type") ?? "").includes("text/event-stream") && upstream.body) {
      await relayStream(upstream, res, settings, matcher, record, common, route.shape);
    } else {
      await relayWhole(upstream, res, settings, matcher, record, common, inspection.threats);
    }
    record.costMicroUsd = costMicroUsd(config.prices, model, record.requestTokens, record.responseTokens);
  } catch (error) {
    if (error instanceof ShroudBlocked) record.blocked = true;
    record.status = sendShroudError(res, error, logger, route.requestId);
  } finally {
    if (!caller && !res.writableEnded) res.end();
    for (const counter of heldStreams) streamsOpen.set(counter, (streamsOpen.get(counter) ?? 1) - 1);
    if (caller) {
      const latency = performance.now() - started;
      if (caller.routerKey) {
        await recordRouterKeySpend(services.bus, caller.routerKey, record, metadata).catch((error: unknown) =>
          logger.error({ request_id: route.requestId, err: error instanceof Error ? error.message : String(error) },
            "router key spend could not be recorded"));
      }
      await recordCall(services.bus, record, caller.agent, services.clock(), latency, metadata).catch((error: unknown) =>
        logger.error({ request_id: route.requestId, err: error instanceof Error ? error.message : String(error) },
          "shroud call could not be recorded"));
      if (!res.writableEnded) res.end();
      logger.info({ request_id: route.requestId, agent_id: caller.agent.id, provider: record.provider, model: record.model,
        status: record.status, streamed: record.streamed, latency_ms: Math.round(latency) }, "shroud call");
    }
  }
}

/** A slot under each stream limit that applies (the agent's, and the router key's), or StreamLimit; the counters taken. */
function openStream(streams: Map<string, number>, caller: ShroudCaller, agentLimit: number): string[] {
  const limits: Array<{ counter: string; limit: number; holder: "agent" | "router key" }> =
    [{ counter: caller.agent.id, limit: agentLimit, holder: "agent" }];
  if (caller.routerKey) {
    limits.push({ counter: `router_key:${caller.routerKey.id}`, limit: caller.routerKey.maxConcurrentStreams, holder: "router key" });
  }
  const full = limits.find(({ counter, limit }) => (streams.get(counter) ?? 0) >= limit);
  if (full) throw new StreamLimit(full.limit, full.holder);
  for (const { counter } of limits) streams.set(counter, (streams.get(counter) ?? 0) + 1);
  return limits.map(({ counter }) => counter);
}

/** The exact part of the policy engine: counted on the agent's usage stream of the day (only when limited). */
async function admit(bus: CommandBus, settings: ShroudSettings, record: CallRecord, agent: { id: string; orgId: string },
  now: Date, metadata: EventMetadata): Promise<void> {
  const limited = settings.maxRequestsPerMinute !== null || settings.maxRequestsPerDay !== null || settings.dailyBudgetUsd > 0;
  if (!limited) return;
  const day = dayOf(now);
  try {
    await bus.handle(shroudUsageAggregate, usageStreamId(agent.id, day), {
      type: "AdmitShroudCall", callId: record.callId, agentId: agent.id, orgId: agent.orgId, day,
      provider: record.provider, model: record.model,
      limits: { perMinute: settings.maxRequestsPerMinute, perDay: settings.maxRequestsPerDay,
        dailyBudgetMicroUsd: Math.round(settings.dailyBudgetUsd * 1_000_000) },
    }, { metadata, readYourWrites: false });
  } catch (error) {
    if (error instanceof RateLimited || error instanceof Forbidden) {
      record.policyViolations.push(error.message);
      record.blocked = true;
    }
    throw error;
  }
}

async function relayWhole(upstream: Response, res: ServerResponse, settings: ShroudSettings,
  matcher: Parameters<typeof inspectResponse>[2], record: CallRecord, common: Record<string, string>, requestThreats: Threat[]): Promise<void> {
  const text = await upstream.text();
  let out: string;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed !== undefined) {
    const inspection = inspectResponse(parsed, settings, matcher);
    record.findings.push(...inspection.findings);
    record.secretsRedacted += inspection.secretsRedacted;
    Object.assign(record, { responseInjectionScore: inspection.responseInjectionScore,
      responseContextInjectionScore: inspection.responseContextInjectionScore, externalUrlsFlagged: inspection.externalUrlsFlagged,
      unexpectedCodeBlocks: inspection.unexpectedCodeBlocks, contentFiltered: inspection.contentFiltered });
    const usage = usageOf(parsed as Record<string, unknown>);
    if (usage.input !== undefined) record.requestTokens = usage.input;
    if (usage.output !== undefined) record.responseTokens = usage.output;
    if (inspection.blocked && upstream.ok) {
      record.policyViolations.push(inspection.blocked);
      throw new ShroudBlocked(inspection.blocked);
    }
    out = JSON.stringify(inspection.body);
    if (inspection.threats.length > 0 && !common["x-shroud-inspection"]) {
      common = { ...common, "x-shroud-inspection": inspectionHeader([...requestThreats, ...inspection.threats],
        { unicode: false, injection: 0, pii: [], secrets: inspection.secretsRedacted })! };
    }
  } else {
    out = cleanResponseText(text, settings, matcher, { secrets: 0, credentials: [] });
  }
  record.status = upstream.status;
  record.responseBytes = Buffer.byteLength(out);
  res.writeHead(upstream.status, { ...common, "content-type": upstream.headers.get("content-type") ?? "application/json" });
  // Ended once the call is recorded (proxyCall): its cost counts before the agent can send the next one.
  res.write(out);
}

async function relayStream(upstream: Response, res: ServerResponse, settings: ShroudSettings,
  matcher: Parameters<typeof inspectResponse>[2], record: CallRecord, common: Record<string, string>, shape: Shape): Promise<void> {
  record.status = upstream.status;
  res.writeHead(upstream.status, { ...common, "content-type": "text/event-stream", "cache-control": "no-cache",
    "x-shroud-stream-inspection": "per-frame" });
  const parser = new SseParser();
  const redaction = new StreamRedaction(settings, matcher);
  const gate = new StreamGate(settings);
  let blocked: string | undefined;
  const write = (events: readonly SseEvent[]) => {
    for (const event of events) {
      const frame = formatSse(event);
      record.responseBytes += Buffer.byteLength(frame);
      res.write(frame);
    }
  };
  const pass = (decision: { send: SseEvent[]; blocked?: string }) => {
    write(decision.send);
    if (decision.blocked) {
      blocked = decision.blocked;
      write(blockedFrames(shape, decision.blocked));
    }
  };
  for await (const chunk of upstream.body as unknown as AsyncIterable<Uint8Array>) {
    pass(gate.push(parser.push(chunk).flatMap((e) => redaction.transform(e))));
    if (blocked) break;
  }
  if (!blocked) {
    pass(gate.push([...parser.end().flatMap((e) => redaction.transform(e)), ...redaction.flushAll()]));
    if (!blocked) pass(gate.end());
  }
  record.secretsRedacted += redaction.secretsRedacted;
  if (redaction.secretsRedacted > 0) record.findings.push({ detector: "secret_redaction", outcome: "redacted", location: "response", category: "vault_secret" });
  for (const kind of redaction.credentialsFiltered) record.findings.push({ detector: "response_credentials", outcome: "redacted", location: "response", category: kind });
  if (redaction.inputTokens) record.requestTokens = redaction.inputTokens;
  record.responseTokens = redaction.outputTokens || Math.ceil(gate.text.length / 4);
  const verdict = gate.verdict;
  if (verdict) {
    Object.assign(record, { responseInjectionScore: verdict.responseInjectionScore, responseContextInjectionScore: verdict.responseContextInjectionScore,
      externalUrlsFlagged: verdict.externalUrlsFlagged, unexpectedCodeBlocks: verdict.unexpectedCodeBlocks });
    // What was released before the end could not be withheld: a finding on it is a warning, unless it stopped the stream.
    record.findings.push(...verdict.findings.map((f) => (f.outcome === "blocked" && !blocked ? { ...f, outcome: "warned" as const } : f)));
  }
  record.contentFiltered = redaction.credentialsFiltered.length > 0 || Boolean(verdict?.flagged);
  if (blocked) {
    record.blocked = true;
    record.policyViolations.push(blocked);
  }
}
