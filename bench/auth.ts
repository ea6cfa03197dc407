/**
 * Identity figures, over HTTP against a running server:
 * - agent-token exchanges/s: `POST /v1/auth/agent-token` (key lookup and constant-time hash check, an EdDSA
 *   signature through the key provider, the AccessTokenIssued append);
 * - authenticated requests/s: `GET /v1/agents/me` with an agent JWT (signature verification, revocation
 *   check, subject lookup, IP rules), and the same with the `ocv_` key as the bearer token.
 *
 *   node --import tsx bench/auth.ts [--url URL --email E --password P] [--trials 3] [--seconds 3] [--concurrency 1,16]
 *
 * Without --url, a server is started as a child process (bench/child-server.ts). With --url, the user must
 * exist.
 */
import { parseArgs } from "node:util";
import { call, startChildServer, type BenchTarget } from "./child-server.js";
import { cleanUpEverything } from "./cleanup.js";
import { describeLoad, note, Report, timedLoad } from "./stats.js";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    email: { type: "string" },
    password: { type: "string" },
    trials: { type: "string", default: "3" },
    seconds: { type: "string", default: "3" },
    concurrency: { type: "string", default: "1,16" },
  },
});

async function main(): Promise<void> {
  const target: BenchTarget = values.url
    ? { url: values.url.replace(/\/+$/, ""), label: "remote", email: values.email ?? "", password: values.password ?? "" }
    : await startChildServer("auth");
  if (!target.email || !target.password) throw new Error("--url needs --email and --password of an existing user");
  const trials = Number(values.trials);
  const seconds = Number(values.seconds);
  const concurrencies = values.concurrency!.split(",").map(Number);

  const login = await call(target.url, "POST", "/v1/auth/token", { body: { email: target.email, password: target.password } });
  const created = await call(target.url, "POST", "/v1/agents", { token: login.access_token, body: { name: "bench-agent" } });
  const apiKey: string = created.api_key;
  const { access_token: agentJwt } = await call(target.url, "POST", "/v1/auth/agent-token", { body: { api_key: apiKey } });

  const report = new Report();
  const measures: Array<[string, () => Promise<unknown>]> = [
    ["agent-token exchange", () => call(target.url, "POST", "/v1/auth/agent-token", { body: { api_key: apiKey } })],
    ["GET /v1/agents/me (JWT)", () => call(target.url, "GET", "/v1/agents/me", { token: agentJwt })],
    ["GET /v1/agents/me (ocv_ key)", () => call(target.url, "GET", "/v1/agents/me", { token: apiKey })],
  ];
  for (const [measure, operation] of measures) {
    for (const concurrency of concurrencies) {
      note(`${measure} c=${concurrency}`);
      const result = await timedLoad({ concurrency, trials, seconds }, operation);
      report.add({ target: target.label, measure: `${measure} c=${concurrency}`, rate: result.rate, unit: "req/s",
        detail: describeLoad(result) });
    }
  }
  console.log(`\n${report.markdown()}`);
}

try {
  await main();
} finally {
  await cleanUpEverything();
}
