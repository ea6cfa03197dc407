/**
 * The hostile-input fuzzer (issue 9): a fast-check property over requests generated from the server's own
 * `/openapi.json`, sent one at a time over raw HTTP to a real server in a child process:
 *
 *   every answer is below 500; every 4xx carries an RFC 7807 body with its own status; a request refused at
 *   validation (400, 405, 413, 415, 431) leaves the event log's head where it was; no answer to another
 *   caller than the owner holds one of the owner's secret values; and the server is up afterwards, its
 *   memory sampled throughout.
 *
 * Requests follow each operation's schemas and then break them: wrong types, deep nesting, huge strings,
 * NUL and lone surrogates, path traversal, malformed and over-long percent-encodings, invalid UTF-8 bytes,
 * control and bidirectional characters, other content types, oversized headers, and forged, tampered,
 * cross-organisation and random credentials. A failure is shrunk by fast-check and reported with its seed.
 */
import fc from "fast-check";
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import { notImplementedArea } from "../../src/http/not-implemented.js";
import { expectJson, signUp, type ServerProcess } from "./server-process.js";

type JsonSchema = Record<string, any>;

interface Operation {
  method: string;
  /** OpenAPI path, `{name}` for parameters. */
  path: string;
  params: Array<{ name: string; in: "path" | "query"; schema: JsonSchema }>;
  body?: JsonSchema;
}

/** What the fuzzer knows about the victim organisation and the other one. */
export interface World {
  owner: { token: string; userId: string; orgId: string };
  stranger: { token: string; orgId: string };
  agentToken: string;
  agentKey: string;
  ids: string[];
  paths: string[];
  /** The owner's secret values: no answer to anyone else may contain one... */
  plaintexts: string[];
  /** ...but these, which the owner's agent may read (its policy grants `api/*`). */
  agentReadable: string[];
  /** Credentials the harness knows (for the leak scan). */
  credentials: string[];
}

export interface FuzzRequest {
  method: string;
  route: string;
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Which credential was used (to tell owner answers from others). */
  as: string;
}

export interface FuzzReport {
  requests: number;
  seed: number;
  byStatus: Record<string, number>;
  rejectedWithoutStateChange: number;
  peakRssMiB: number;
  finalRssMiB: number;
  rssSamples: number[];
  serverUp: boolean;
  seconds: number;
  violations: string[];
  counterexample?: string;
}

/** Answers that must leave no trace: the request was refused before any decision. */
const VALIDATION_REFUSALS = new Set([400, 405, 413, 415, 431]);

/**
 * A 501 the server answers by design: a wrong method can land on a 1claw operation Keyledger does not offer
 * (POST /v1/shroud/activity, the hosted Shroud's ingest), which src/http/not-implemented.ts names.
 */
function declaredNotImplemented(request: FuzzRequest, status: number): boolean {
  if (status !== 501) return false;
  let path: string;
  try {
    path = new URL(request.target, "http://x").pathname;
  } catch {
    return false;
  }
  return notImplementedArea(path, request.method) !== undefined || notImplementedArea(path) !== undefined;
}

const b64url = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

/** Tokens nobody should accept: unsigned, HMAC-signed, tampered, expired-looking, random keys. */
function forgedTokens(world: World): Record<string, string> {
  const [header, payload, signature] = world.owner.token.split(".");
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
  const hmac = (body: string) => createHmac("sha256", "secret").update(body).digest("base64url");
  const hs = `${b64url({ alg: "HS256", typ: "JWT" })}.${b64url(claims)}`;
  return {
    "alg-none": `${b64url({ alg: "none", typ: "JWT" })}.${b64url(claims)}.`,
    hmac: `${hs}.${hmac(hs)}`,
    "other-org-claim": `${header}.${b64url({ ...claims, org: world.stranger.orgId })}.${signature}`,
    expired: `${header}.${b64url({ ...claims, exp: 1_000_000_000, iat: 999_999_000, nbf: 999_999_000 })}.${signature}`,
    "bad-signature": `${header}.${payload}.${Buffer.from(randomBytes(64)).toString("base64url")}`,
    garbage: "not.a.token",
    "random-ocv": `ocv_${randomBytes(32).toString("base64url")}`,
    "random-1ck": `1ck_${randomBytes(32).toString("base64url")}`,
    "agent-key-as-other-prefix": `1ck_${world.agentKey.slice(4)}`,
  };
}

const HOSTILE_STRINGS = [
  "", " ", "\u0000", "a\u0000b", "\ud800", "x\udc00y", "\udbff\udfff", "..", ".", "../../etc/passwd", "..\\..\\",
  "\u200b", "\u202e", "\u2066x\u2069", "\ufeff", "\u0085", "\u2028", "\u001b[31m", "\r\nX-Injected: 1",
  "café", "cafe\u0301", "🔑", "日本", "' or 1=1 --", "<script>alert(1)</script>", "${jndi:ldap://x}", "{{7*7}}",
  "*", "**", "null", "undefined", "-1", "0", "1e309", "NaN", "true", "[]", "{}", "%", "%%", "a/b/c", "/", "//",
  "a".repeat(600), "é".repeat(300), "00000000-0000-0000-0000-000000000000",
];

/** Raw, not encoded: what breaks URLs. */
const HOSTILE_URL_PIECES = [
  "%00", "a%00b", "%zz", "%", "%2", "%G0", "%C3%28", "%ED%A0%80", "%FF%FE", "%E2%82", "%C0%AF", "%E2%80%8B", "%E2%80%AE",
  "..%2F..%2F", "%2e%2e", "%2e%2e%2f%2e%2e", "..;", "%252e%252e", "a%2Fb", "%5c..%5c", "%0d%0aX:%201", "%7F", "%C2%85",
  "%F0%9F%94%91", "%EF%BB%BF", "x".repeat(2000),
];

function resolve(schema: JsonSchema | undefined, doc: JsonSchema): JsonSchema {
  let current = schema ?? {};
  for (let i = 0; i < 10 && current.$ref; i++) {
    const name = String(current.$ref).split("/").pop()!;
    current = doc.components?.schemas?.[name] ?? {};
  }
  return current;
}

export function operationsOf(doc: JsonSchema): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<JsonSchema>(doc.paths ?? {})) {
    for (const method of ["get", "post", "put", "patch", "delete"]) {
      const op = item[method];
      if (!op) continue;
      ops.push({
        method: method.toUpperCase(), path,
        params: (op.parameters ?? []).filter((p: JsonSchema) => p.in === "path" || p.in === "query")
          .map((p: JsonSchema) => ({ name: p.name, in: p.in, schema: resolve(p.schema, doc) })),
        body: op.requestBody ? resolve(op.requestBody.content?.["application/json"]?.schema, doc) : undefined,
      });
    }
  }
  return ops;
}

function deep(levels: number): unknown {
  let value: unknown = "leaf";
  for (let i = 0; i < levels; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

/** `{"value":"v","name":"n","metadata":{"a":[{"a":...}]}}` nested `levels` deep, built as text (no stack). */
function deepBody(levels: number): Buffer {
  const open = Array.from({ length: levels }, (_, i) => (i % 2 ? "[" : "{\"a\":")).join("");
  const close = Array.from({ length: levels }, (_, i) => (i % 2 ? "]" : "}")).reverse().join("");
  return Buffer.from(`{"value":"v","name":"n","metadata":${open}"leaf"${close}}`);
}

/** Any string, including ones JavaScript can hold and UTF-8 cannot (lone surrogates). */
function anyString(world: World): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.string() },
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
    { weight: 2, arbitrary: fc.constantFrom(...world.ids, ...world.paths) },
    { weight: 1, arbitrary: fc.string({ unit: "grapheme" }) },
    { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }) },
    { weight: 1, arbitrary: fc.integer({ min: 1000, max: 300_000 }).map((n) => "x".repeat(n)) },
  );
}

function valueFor(schema: JsonSchema, doc: JsonSchema, world: World, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(schema, doc);
  const wrong: fc.Arbitrary<unknown> = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }), anyString(world), fc.integer({ min: 2 ** 31, max: 2 ** 53 }).map((n) => -n),
    fc.integer({ min: 10, max: 200 }).map(deep),
  );
  let plausible: fc.Arbitrary<unknown>;
  if (depth > 4) plausible = fc.constant(null);
  else if (s.enum) plausible = fc.constantFrom(...s.enum);
  else if (s.const !== undefined) plausible = fc.constant(s.const);
  else if (s.anyOf || s.oneOf) plausible = fc.oneof(...(s.anyOf ?? s.oneOf).map((o: JsonSchema) => valueFor(o, doc, world, depth + 1)));
  else if (s.type === "object" || s.properties) {
    const shape: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [key, sub] of Object.entries<JsonSchema>(s.properties ?? {})) shape[key] = valueFor(sub, doc, world, depth + 1);
    const record = fc.record(shape, { requiredKeys: (s.required ?? []).filter((k: string) => k in shape) });
    plausible = fc.tuple(record, fc.dictionary(anyString(world), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }))
      .map(([known, extra]) => ({ ...extra, ...known }));
  } else if (s.type === "array") plausible = fc.array(valueFor(s.items ?? {}, doc, world, depth + 1), { maxLength: 4 });
  else if (s.type === "string") {
    const formatted = s.format === "uuid" ? fc.constantFrom(...world.ids, randomUUID())
      : s.format === "date-time" ? fc.date({ min: new Date(2000, 0, 1), max: new Date(2100, 0, 1), noInvalidDate: true }).map((d) => d.toISOString())
        : s.format === "email" ? fc.emailAddress() : fc.string({ maxLength: 40 });
    plausible = fc.oneof({ weight: 3, arbitrary: formatted }, { weight: 2, arbitrary: anyString(world) });
  } else if (s.type === "integer" || s.type === "number") {
    plausible = fc.oneof(fc.integer({ min: -5, max: 100 }), fc.double(), fc.constantFrom(2 ** 53, -(2 ** 63), 1e308));
  } else if (s.type === "boolean") plausible = fc.boolean();
  else plausible = fc.jsonValue({ maxDepth: 3 });
  return fc.oneof({ weight: 8, arbitrary: plausible }, { weight: 1, arbitrary: wrong });
}

/** One segment or catch-all path for a path parameter: known ids and paths, encoded text, raw hostile pieces. */
function pathValue(world: World, catchAll: boolean): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...world.ids, ...(catchAll ? world.paths : [])) },
    { weight: 3, arbitrary: anyString(world).map(safeEncode) },
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_URL_PIECES) },
    { weight: 1, arbitrary: fc.array(fc.constantFrom(...HOSTILE_URL_PIECES, ...world.paths, "a", "."), { minLength: 2, maxLength: 4 }).map((p) => p.join("/")) },
  );
}

/** encodeURIComponent, which throws on lone surrogates: those are sent as the CESU-style bytes they would be. */
function safeEncode(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.charCodeAt(0);
    out += char.length === 1 && code >= 0xd800 && code <= 0xdfff
      ? [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join("")
      : encodeURIComponent(char);
  }
  return out;
}

function requestFor(op: Operation, doc: JsonSchema, world: World, tokens: Record<string, string>): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.params.filter((p) => p.in === "path");
  const queryParams = op.params.filter((p) => p.in === "query");
  const catchAll = /\{path\}$/.test(op.path);
  const params = fc.tuple(...pathParams.map((p) => pathValue(world, catchAll && p.name === "path")));
  const query = fc.tuple(
    ...queryParams.map((p) => fc.option(fc.oneof(
      { weight: 3, arbitrary: valueFor(p.schema, doc, world).map((v) => safeEncode(typeof v === "string" ? v : JSON.stringify(v) ?? "")) },
      { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_URL_PIECES) },
    ), { freq: 2 }).map((v) => (v === null ? undefined : `${p.name}=${v}`))),
    fc.option(fc.constantFrom("x=%00", "prefix=%zz", "limit=-1&limit=2", "a[b]=c", "__proto__[x]=1", "=", "&&"), { freq: 5 }),
  ).map((parts) => parts.flat().filter((x): x is string => !!x).join("&"));
  const body = op.body
    ? fc.oneof(
      { weight: 12, arbitrary: valueFor(op.body, doc, world).map((v) => Buffer.from(JSON.stringify(v) ?? "null")) },
      { weight: 1, arbitrary: fc.integer({ min: 33, max: 100_000 }).map(deepBody) },
      { weight: 1, arbitrary: fc.constantFrom("{", "[1,", "{\"a\":}", "\u0000", "nul", "{\"value\":\"\\ud800\"}", "{\"email\":\"a\\u0000@x.io\"}").map((t) => Buffer.from(t)) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.concat([Buffer.from("{\"name\":\""), Buffer.from(bytes), Buffer.from("\"}")])) },
    ).map((b): Buffer | undefined => b)
    : fc.option(fc.constantFrom(Buffer.from("{}"), Buffer.from("{\"x\":1}")), { freq: 6 }).map((b) => b ?? undefined);
  const contentType = fc.oneof(
    { weight: 12, arbitrary: fc.constant("application/json") },
    { weight: 1, arbitrary: fc.constantFrom("text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1", "multipart/form-data; boundary=x", "") },
  );
  const credential = fc.oneof(
    { weight: 6, arbitrary: fc.constant("owner") }, { weight: 2, arbitrary: fc.constant("stranger") },
    { weight: 2, arbitrary: fc.constant("agent") }, { weight: 1, arbitrary: fc.constant("none") },
    { weight: 3, arbitrary: fc.constantFrom(...Object.keys(tokens)) },
  );
  const method = fc.oneof({ weight: 15, arbitrary: fc.constant(op.method) }, { weight: 1, arbitrary: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE") });
  const extraHeader = fc.oneof(
    { weight: 20, arbitrary: fc.constant<Record<string, string>>({}) },
    { weight: 1, arbitrary: fc.constantFrom<Record<string, string>>({ "x-pad": "p".repeat(20_000) }, { "x-request-id": "../../x" },
      { "x-share-passphrase": "p".repeat(5000) }, { "x-forwarded-for": "1.2.3.4" }) },
  );
  return fc.record({ params, query, body, contentType, credential, method, extraHeader }).map((r) => {
    let i = 0;
    const path = op.path.replace(/\{[^}]+\}/g, () => r.params[i++] ?? "x");
    const headers: Record<string, string> = { ...r.extraHeader };
    const token = r.credential === "owner" ? world.owner.token : r.credential === "stranger" ? world.stranger.token
      : r.credential === "agent" ? world.agentToken : r.credential === "none" ? undefined : tokens[r.credential];
    if (token) headers.authorization = `Bearer ${token}`;
    if (r.body !== undefined && r.contentType) headers["content-type"] = r.contentType;
    return { method: r.method, route: `${op.method} ${op.path}`, target: r.query ? `${path}?${r.query}` : path, headers, body: r.body, as: r.credential };
  });
}

interface Answer { status: number; contentType: string; body: string }

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

function send(url: string, request: FuzzRequest): Promise<Answer | undefined> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let req: http.ClientRequest;
    try {
      req = http.request({ host: hostname, port: Number(port), method: request.method, path: request.target, agent,
        headers: { ...request.headers, ...(request.body && { "content-length": String(request.body.length) }) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"] ?? ""),
          body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
    } catch {
      // Node's client refuses to send it (e.g. a space or a control character in the path): nothing to test.
      return resolve(undefined);
    }
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer in 30 s: ${request.route}`)));
    req.on("error", reject);
    req.end(request.body);
  });
}

/** Sets up two organisations with vaults, secrets, an agent with a policy, and a share. */
export async function buildWorld(server: ServerProcess): Promise<World> {
  const owner = await signUp(server);
  const stranger = await signUp(server);
  const auth = { token: owner.token };
  const vault = await expectJson(server.url, "POST", "/v1/vaults", { ...auth, body: { name: "fuzz" } });
  const strangerVault = await expectJson(server.url, "POST", "/v1/vaults", { token: stranger.token, body: { name: "theirs" } });
  const plaintexts: string[] = [];
  const paths = ["api/stripe", "db/prod/url", "env/app", "limited/once"];
  const secretIds: string[] = [];
  for (const p of paths) {
    const value = `fuzz-plain-${randomUUID()}`;
    plaintexts.push(value);
    const put = await expectJson(server.url, "PUT", `/v1/vaults/${vault.id}/secrets/${p}`, { ...auth,
      body: { value, type: p === "env/app" ? "note" : "api_key", ...(p === "limited/once" && { max_access_count: 1 }) } });
    secretIds.push(put.id);
  }
  const created = await expectJson(server.url, "POST", "/v1/agents", { ...auth, body: { name: "fuzz-agent" } });
  await expectJson(server.url, "POST", `/v1/vaults/${vault.id}/policies`, { ...auth, body: {
    secret_path_pattern: "api/*", principal_type: "agent", principal_id: created.agent.id, permissions: ["read"] } });
  const agentToken = (await expectJson(server.url, "POST", "/v1/auth/agent-token", { body: { api_key: created.api_key } })).access_token;
  const passphrase = `pass-${randomUUID()}`;
  const share = await expectJson(server.url, "POST", `/v1/secrets/${secretIds[0]}/share`, { ...auth, body: {
    recipient_type: "anyone_with_link", expires_at: new Date(Date.now() + 86_400_000).toISOString(), max_access_count: 1000, passphrase } });
  return {
    owner: { token: owner.token, userId: owner.userId, orgId: owner.orgId },
    stranger: { token: stranger.token, orgId: stranger.orgId },
    agentToken, agentKey: created.api_key,
    ids: [vault.id, strangerVault.id, created.agent.id, share.id, owner.userId, stranger.userId, owner.orgId, ...secretIds, randomUUID(), "not-a-uuid"],
    paths, plaintexts, agentReadable: plaintexts.filter((_, i) => paths[i].startsWith("api/")),
    credentials: [owner.password, stranger.password, created.api_key, passphrase, owner.token, stranger.token, agentToken],
  };
}

export interface FuzzOptions {
  requests: number;
  seed?: number;
  /** Progress lines (stderr in the command). */
  log?: (line: string) => void;
  /** Called with every answer's body (for the leak scan of error bodies). */
  onAnswer?: (status: number, body: string) => void;
}

export async function runFuzz(server: ServerProcess, world: World, options: FuzzOptions): Promise<FuzzReport> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const doc = await (await fetch(`${server.url}/openapi.json`)).json() as JsonSchema;
  const ops = operationsOf(doc);
  const tokens = forgedTokens(world);
  const arbitrary = fc.oneof(...ops.map((op) => requestFor(op, doc, world, tokens)));
  const byStatus: Record<string, number> = {};
  const violations: string[] = [];
  const rss: number[] = [];
  let sent = 0;
  let unchanged = 0;
  const seed = options.seed ?? Date.now() % 2 ** 31;

  const describe = (r: FuzzRequest) =>
    `${r.method} ${r.target.slice(0, 200)} (${r.route}, as ${r.as}, body ${r.body?.subarray(0, 120).toString("utf8") ?? "none"})`;

  const property = fc.asyncProperty(arbitrary, async (request) => {
    const before = await server.head();
    const answer = await send(server.url, request);
    if (!answer) return true;
    sent++;
    byStatus[answer.status] = (byStatus[answer.status] ?? 0) + 1;
    options.onAnswer?.(answer.status, answer.body);
    if (sent % 1000 === 0) {
      rss.push(await server.rssMiB());
      log(`fuzz: ${sent}/${options.requests} requests, ${Math.round((Date.now() - started) / 1000)} s, rss ${rss.at(-1)} MiB, ` +
        `statuses ${JSON.stringify(byStatus)}`);
    }
    const problems: string[] = [];
    if (answer.status >= 500 && !declaredNotImplemented(request, answer.status)) problems.push(`answered ${answer.status}: ${answer.body.slice(0, 300)}`);
    if (answer.status >= 400) {
      let parsed: { status?: unknown } | undefined;
      try { parsed = JSON.parse(answer.body); } catch { /* reported below */ }
      if (!answer.contentType.startsWith("application/problem+json") || parsed?.status !== answer.status) {
        problems.push(`answered ${answer.status} without a problem body (${answer.contentType}): ${answer.body.slice(0, 200)}`);
      }
    }
    if (VALIDATION_REFUSALS.has(answer.status) || declaredNotImplemented(request, answer.status)) {
      const after = await server.head();
      if (after !== before) problems.push(`answered ${answer.status} but the event log moved from ${before} to ${after}`);
      else unchanged++;
    }
    const forbidden = request.as === "owner" ? []
      : world.plaintexts.filter((p) => request.as !== "agent" || !world.agentReadable.includes(p));
    if (forbidden.some((p) => answer.body.includes(p))) {
      problems.push(`answered a secret value to ${request.as}`);
    }
    if (problems.length === 0) return true;
    violations.push(`${describe(request)}: ${problems.join("; ")}`);
    return false;
  });
  const result = await fc.check(property, { numRuns: options.requests, seed, endOnFailure: false, maxSkipsPerRun: 1000 });
  rss.push(await server.rssMiB());
  const health = await fetch(`${server.url}/v1/health`).then((r) => r.status, () => 0);
  const serverUp = server.alive() && health === 200;
  if (!serverUp) violations.push(`the server is not up after the run (health ${health})`);
  return {
    requests: sent, seed, byStatus, rejectedWithoutStateChange: unchanged,
    peakRssMiB: Math.max(...rss), finalRssMiB: rss.at(-1) ?? 0, rssSamples: rss, serverUp,
    seconds: Math.round((Date.now() - started) / 1000), violations: [...new Set(violations)].slice(0, 50),
    counterexample: result.failed ? `${JSON.stringify(result.counterexample?.[0] && describe(result.counterexample[0]))} ` +
      `(seed ${result.seed}, path ${result.counterexamplePath})` : undefined,
  };
}
