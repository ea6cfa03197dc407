/**
 * JSON-RPC to a chain's node, each call under a deadline: a node that does not answer costs the caller at
 * most the deadline, never a hang. Errors never quote the URL (it may carry a provider's API key).
 */
import { Invalid, Unavailable } from "../../commands/errors.js";
import type { Chain } from "./registry.js";

/** The node did not answer (unreachable, too slow, not JSON-RPC): nothing is known to have happened. */
export class ChainRpcUnavailable extends Unavailable {
  constructor(chain: string, reason: string) {
    super(`the RPC of chain ${chain} ${reason}; retry later`);
    this.name = "ChainRpcUnavailable";
  }
}

export class ChainHasNoRpc extends Invalid {
  constructor(chain: string, what: string) {
    super(`chain ${chain} has no RPC URL configured: it cannot ${what} (signing only, POST /v1/agents/{agent_id}/transactions/sign, works without one)`);
    this.name = "ChainHasNoRpc";
  }
}

/** The node answered with a JSON-RPC error (a revert, a refused transaction). */
export class RpcError extends Error {
  constructor(readonly code: number, message: string, readonly data?: unknown) {
    super(message);
    this.name = "RpcError";
  }
}

export class ChainRpc {
  private nextId = 1;
  constructor(private readonly chain: Chain & { rpcUrl: string }, private readonly deadlineMs: number) {}

  async call<T>(method: string, params: unknown[]): Promise<T> {
    const name = this.chain.name;
    let response: Response;
    let text: string;
    const signal = AbortSignal.timeout(this.deadlineMs);
    try {
      response = await fetch(this.chain.rpcUrl, {
        method: "POST", headers: { "content-type": "application/json" }, signal,
        body: JSON.stringify({ jsonrpc: "2.0", id: this.nextId++, method, params }),
      });
      text = await response.text();
    } catch (error) {
      const timedOut = signal.aborted;
      throw new ChainRpcUnavailable(name, timedOut ? `did not answer ${method} within ${this.deadlineMs} ms`
        : `could not be reached (${error instanceof Error && error.cause instanceof Error ? (error.cause as NodeJS.ErrnoException).code ?? "network error" : "network error"})`);
    }
    let body: { result?: T; error?: { code: number; message: string; data?: unknown } };
    try {
      body = JSON.parse(text);
    } catch {
      throw new ChainRpcUnavailable(name, `answered ${method} with HTTP ${response.status} and no JSON-RPC body`);
    }
    if (body.error) throw new RpcError(body.error.code, String(body.error.message).slice(0, 500), body.error.data);
    if (!("result" in body)) throw new ChainRpcUnavailable(name, `answered ${method} without a result`);
    return body.result as T;
  }
}

/** The chain's RPC, or ChainHasNoRpc naming what could not be done without one. */
export function rpcOf(chain: Chain, deadlineMs: number, what: string): ChainRpc {
  if (!chain.rpcUrl) throw new ChainHasNoRpc(chain.name, what);
  return new ChainRpc({ ...chain, rpcUrl: chain.rpcUrl }, deadlineMs);
}
