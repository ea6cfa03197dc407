/** Sends bytes as they are over TCP (fetch would fix what we mean to send broken) and reads the answer. */
import { connect } from "node:net";

export interface RawResponse {
  status: number;
  headers: string;
  body: string;
}

export function rawRequest(baseUrl: string, bytes: Buffer | string, timeoutMs = 10_000): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname, () => socket.end(bytes));
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error("no answer in time")));
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const [head, ...rest] = text.split("\r\n\r\n");
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, headers: head, body: rest.join("\r\n\r\n") });
    });
  });
}
