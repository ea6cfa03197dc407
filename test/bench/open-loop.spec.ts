import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { openLoop } from "../../bench/open-loop.js";

/** A local HTTP server answering `/ok` 200 and anything else 404, each after `delayMs`. */
async function listen(delayMs: number): Promise<{ server: Server; url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.url} ${req.headers.authorization}`);
    setTimeout(() => {
      res.statusCode = req.url === "/ok" ? 200 : 404;
      res.end(JSON.stringify({ path: req.url }));
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe("bench: the open-loop load generator", () => {
  it("sends rate × seconds requests over its paths in turn and counts the answers by status", async () => {
    const { server, url, seen } = await listen(0);
    try {
      const result = await openLoop({ url, paths: ["/ok", "/missing"], headers: { Authorization: "Bearer t" },
        rate: 200, connections: 4, seconds: 0.5 });
      expect(result).to.include({ sent: 100, ok: 50, non2xx: 50, errors: 0 });
      expect(seen.filter((line) => line === "/ok Bearer t")).to.have.length(50);
      expect(seen.filter((line) => line === "/missing Bearer t")).to.have.length(50);
      expect(result.p50).to.be.at.most(result.p99);
      expect(result.p99).to.be.at.most(result.max);
    } finally {
      server.close();
    }
  });

  it("counts a request's wait for a free connection in its latency (no coordinated omission)", async () => {
    // One connection, answers after 20 ms, ten requests due within 45 ms: the last one cannot be answered
    // before ~10 × 20 ms from the start, so ~155 ms after it was due; timed from its send it would be ~20 ms.
    // (The bound leaves room for timers that fire a little early.)
    const { server, url } = await listen(20);
    try {
      const result = await openLoop({ url, paths: ["/ok"], headers: {}, rate: 200, connections: 1, seconds: 0.05 });
      expect(result).to.include({ sent: 10, ok: 10, errors: 0 });
      expect(result.max).to.be.at.least(100);
    } finally {
      server.close();
    }
  });

  it("answers requests as socket errors when the server goes away, instead of waiting for them", async () => {
    const { server, url } = await listen(0);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    const result = await openLoop({ url, paths: ["/ok"], headers: {}, rate: 100, connections: 2, seconds: 0.2 });
    expect(result).to.include({ sent: 20, ok: 0, non2xx: 0, errors: 20 });
  });
});
