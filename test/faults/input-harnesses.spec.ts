/**
 * The short versions of the input harnesses (issue 9) on one server in a child process: the fuzzer
 * (2,500 requests from /openapi.json), two rounds of 200 parallel callers on max_access_count and share
 * counts, and the leak scan after both. The full run: `npm run harness:input -- all --full`.
 */
import { expect } from "chai";
import pg from "pg";
import { runInputHarnesses } from "../../harness/input/all.js";
import { DEFAULT_DATABASE_SERVER } from "../../harness/input/server-process.js";

async function unreachable(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${new URL(url).host} does not answer (${error instanceof Error ? error.message : String(error)})`;
  } finally {
    await client.end().catch(() => {});
  }
}

describe("input harnesses, short versions (issue 9)", function () {
  this.timeout(900_000);

  it("fuzzer, concurrency and leak scan: no 5xx, problem bodies, refusals change nothing, exact counts, no plaintext anywhere", async function () {
    const reason = await unreachable(process.env.DATABASE_URL || DEFAULT_DATABASE_SERVER);
    if (reason) {
      console.log(`      skipped: ${reason}`);
      return this.skip();
    }
    const report = await runInputHarnesses({ fuzzRequests: 2500, rounds: 2 });
    expect(report.violations).to.deep.equal([]);
    expect(report.fuzz!.requests).to.be.at.least(2400);
    expect(report.fuzz!.serverUp).to.equal(true);
    expect(report.fuzz!.rejectedWithoutStateChange).to.be.greaterThan(100);
    // A 501 is only ever a 1claw operation Keyledger declares it does not offer; any other is a violation above.
    expect(Object.keys(report.fuzz!.byStatus).filter((s) => Number(s) >= 500 && Number(s) !== 501)).to.deep.equal([]);
    expect(report.concurrency!.rounds).to.have.length(2);
    for (const round of report.concurrency!.rounds) {
      expect(round.secretValues).to.equal(round.secretLimit);
      expect(round.shareValues).to.equal(round.shareLimit);
      expect(round.limitedShareValues).to.equal(round.limitedSecretLimit);
    }
    expect(report.leaks.tablesScanned).to.be.greaterThan(10);
    expect(report.leaks.violations).to.deep.equal([]);
  });
});
