/** Starts the HTTP app on a free port with a logger whose lines the test can read. */
import { createLogger } from "../../src/log.js";
import { createMetrics } from "../../src/metrics.js";
import { createHttpApp, type HttpApp, type HttpAppOptions } from "../../src/http/app.js";
import type { Route } from "../../src/http/route.js";

export interface Running {
  url: string;
  http: HttpApp;
  /** Every log line written so far, as text. */
  logLines: string[];
}

export async function startApp(routes: Route[], options: Partial<HttpAppOptions> = {}): Promise<Running> {
  const logLines: string[] = [];
  const http = createHttpApp({
    routes,
    logger: createLogger({ level: "info", destination: { write: (line: string) => void logLines.push(line) } }),
    metrics: createMetrics({ processMetrics: false }),
    api: { title: "Keyledger", version: "test" },
    ...options,
  });
  const { url } = await http.listen(0, "127.0.0.1");
  return { url, http, logLines };
}
