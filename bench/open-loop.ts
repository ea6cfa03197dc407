/**
 * An open-loop load generator, run as its own process by the load section: GETs sent on a fixed schedule
 * (`rate` a second, whatever the answers do) over `connections` keep-alive connections, each request's
 * latency counted from the instant it was due, not from when a connection was free to send it. wrk sends a
 * connection's next request only after its answer, so a slow answer also delays the requests that would have
 * come meanwhile and they are never timed (coordinated omission); here they wait, and the wait counts.
 *
 * wrk measures the most a server answers (the closed loop, at saturation); this measures the latency a
 * client sees at a given rate, as in the aim "2,000 reads/s with p99 ≤ 50 ms". It reads only what a
 * GET's answer needs on raw sockets, ~45 µs of CPU a request (node:http took ~100), so it keeps its schedule up
 * to a few thousand requests a second; how late it got is in the result (`lateMs`): a generator starved of CPU
 * adds its own delay to the latencies it reports.
 *
 *   node --import tsx bench/open-loop.ts '{"url":..., "paths":[...], "headers":{...}, "rate":2000,
 *     "connections":64, "seconds":10}'
 * prints one line: `OPEN-LOOP {"sent":..., "ok":..., "non2xx":..., "errors":..., "seconds":..., "p50":..., ...}`
 * (latencies in ms).
 */
import { connect, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { percentile } from "./stats.js";

export interface OpenLoopOptions {
  url: string;
  paths: string[];
  headers: Record<string, string>;
  /** Requests a second, spread evenly. */
  rate: number;
  connections: number;
  seconds: number;
}

export interface OpenLoopResult {
  sent: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** Measured seconds, from the first due instant to the last answer. */
  seconds: number;
  /** Answers a second over the measured run. */
  rate: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** The generator's own delay: how late, at worst, it got round to a due request. */
  lateMs: number;
}

/** A request waiting for a connection, and what to do with its answer's status (0: the connection failed). */
interface Due {
  bytes: Buffer;
  done(status: number): void;
}

const HEADER_END = Buffer.from("\r\n\r\n");
const LAST_CHUNK = Buffer.from("0\r\n\r\n");

/**
 * One keep-alive HTTP/1.1 connection with one request in flight at a time. It reads only what a GET's answer
 * needs (status line, Content-Length), which keeps the generator's own CPU per request a fraction of node:http's.
 */
class Connection {
  private readonly socket: Socket;
  private buffered: Buffer = Buffer.alloc(0);
  private current: Due | undefined;

  constructor(host: string, port: number, private readonly next: () => Due | undefined) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on("data", (chunk) => this.received(chunk));
    this.socket.on("error", () => this.fail());
    this.socket.on("close", () => this.fail());
  }

  get idle(): boolean {
    return this.current === undefined && !this.socket.destroyed;
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }

  send(due: Due): void {
    this.current = due;
    this.socket.write(due.bytes);
  }

  close(): void {
    this.socket.destroy();
  }

  private received(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const headerEnd = this.buffered.indexOf(HEADER_END);
    if (headerEnd < 0) return;
    const head = this.buffered.toString("latin1", 0, headerEnd);
    const bodyStart = headerEnd + HEADER_END.length;
    let total: number;
    if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
      const end = this.buffered.indexOf(LAST_CHUNK, bodyStart);
      if (end < 0) return;
      total = end + LAST_CHUNK.length;
    } else {
      total = bodyStart + Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (this.buffered.length < total) return;
    }
    this.buffered = this.buffered.subarray(total);
    const due = this.current;
    this.current = undefined;
    due?.done(Number(head.slice(9, 12)));
    const following = this.next();
    if (following) this.send(following);
  }

  private fail(): void {
    const due = this.current;
    this.current = undefined;
    due?.done(0);
  }
}

export async function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const { hostname, host, port } = new URL(options.url);
  const headers = Object.entries(options.headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
  const requests = options.paths.map((path) => Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${headers}\r\n`, "latin1"));
  const waiting: Due[] = [];
  const connections = Array.from({ length: options.connections }, () => new Connection(hostname, Number(port), () => waiting.shift()));
  const allClosed = () => connections.every((connection) => connection.closed);
  const interval = 1000 / options.rate;
  const total = Math.round(options.seconds * options.rate);
  const latencies: number[] = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let lateMs = 0;
  let allAnswered: () => void = () => {};
  const finished = new Promise<void>((resolve) => { allAnswered = resolve; });
  const firstDue = performance.now();
  try {
    for (let sent = 0; sent < total; await sleep(1)) {
      // A timer of 1 ms is the finest the event loop keeps; the requests due meanwhile go out together.
      const now = performance.now();
      for (; sent < total && firstDue + sent * interval <= now; sent++) {
        const due = firstDue + sent * interval;
        lateMs = Math.max(lateMs, now - due);
        const request: Due = { bytes: requests[sent % requests.length], done: (status) => {
          latencies.push(performance.now() - due);
          if (status === 0) errors++;
          else if (status >= 200 && status < 300) ok++;
          else non2xx++;
          if (latencies.length === total) allAnswered();
        } };
        const free = connections.find((connection) => connection.idle);
        if (free) free.send(request);
        else if (allClosed()) request.done(0);
        else waiting.push(request);
      }
    }
    // Requests still waiting when every connection has failed are answered as errors, not waited for.
    while (latencies.length < total) {
      if (allClosed()) for (const request of waiting.splice(0)) request.done(0);
      await Promise.race([finished, sleep(100)]);
    }
  } finally {
    for (const connection of connections) connection.close();
  }
  const seconds = (performance.now() - firstDue) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    sent: total, ok, non2xx, errors, seconds, rate: (ok + non2xx) / seconds,
    p50: percentile(latencies, 50), p99: percentile(latencies, 99), p999: percentile(latencies, 99.9),
    max: latencies.at(-1) ?? NaN, lateMs,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await openLoop(JSON.parse(process.argv[2]) as OpenLoopOptions);
  console.log(`OPEN-LOOP ${JSON.stringify(result)}`);
}
