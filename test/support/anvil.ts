/**
 * A real local EVM node for a test run: the anvil binary that the npm package `@foundry-rs/anvil` ships,
 * started on a free port (instant mining) and ended by its pid. Its dev accounts are unlocked, so the tests
 * fund signers and deploy contracts with plain `eth_sendTransaction`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import path from "node:path";

const require = createRequire(import.meta.url);

/** anvil's first dev account (unlocked, 10000 ETH). */
export const DEV_ACCOUNT = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
export const ANVIL_CHAIN_ID = 31337;

function anvilBinary(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const manifest = require.resolve(`@foundry-rs/anvil-${process.platform}-${arch}/package.json`);
  return path.join(path.dirname(manifest), "bin", "anvil");
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface Anvil {
  url: string;
  pid: number;
  rpc<T = any>(method: string, params?: unknown[]): Promise<T>;
  /** Sends `wei` from the dev account and waits for it to be mined. */
  fund(address: string, wei: bigint): Promise<void>;
  /** Deploys `initCode` from the dev account; answers the contract's address. */
  deploy(initCode: string): Promise<string>;
  receipt(txHash: string): Promise<any>;
  stop(): Promise<void>;
}

export async function startAnvil(): Promise<Anvil> {
  const port = await freePort();
  const child: ChildProcess = spawn(anvilBinary(), ["--port", String(port), "--host", "127.0.0.1", "--silent"],
    { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk) => { stderr += chunk; });
  const url = `http://127.0.0.1:${port}`;
  let id = 1;
  const rpc = async <T>(method: string, params: unknown[] = []): Promise<T> => {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: id++, method, params }), signal: AbortSignal.timeout(10_000) });
    const body = await response.json() as { result?: T; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result as T;
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`anvil exited (${child.exitCode}): ${stderr}`);
    try { await rpc("eth_chainId"); break; } catch (error) {
      if (Date.now() > deadline) { child.kill(); throw new Error(`anvil did not start: ${String(error)} ${stderr}`); }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const receipt = async (txHash: string) => {
    for (let i = 0; i < 100; i++) {
      const found = await rpc<any>("eth_getTransactionReceipt", [txHash]);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no receipt for ${txHash}`);
  };
  return {
    url, pid: child.pid!, rpc, receipt,
    async fund(address, wei) {
      await receipt(await rpc<string>("eth_sendTransaction", [{ from: DEV_ACCOUNT, to: address, value: `0x${wei.toString(16)}` }]));
    },
    async deploy(initCode) {
      const mined = await receipt(await rpc<string>("eth_sendTransaction", [{ from: DEV_ACCOUNT, data: initCode }]));
      return mined.contractAddress;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(child.pid!, "SIGTERM");
      await exited;
    },
  };
}

/**
 * Init code of a contract that reverts every call with Error(reason): the runtime copies the ABI-encoded
 * revert data appended to it into memory and reverts with it.
 */
export function revertingContractInitCode(reason: string): string {
  const text = Buffer.from(reason, "utf8");
  if (text.length > 32) throw new Error("keep the reason within one word");
  const word = (n: number) => n.toString(16).padStart(64, "0");
  const revertData = "08c379a0" + word(32) + word(text.length) + text.toString("hex").padEnd(64, "0");
  const dataLength = revertData.length / 2; // 100 bytes
  const hex = (n: number) => n.toString(16).padStart(2, "0");
  // PUSH1 len PUSH1 offset PUSH1 0 CODECOPY PUSH1 len PUSH1 0 REVERT, then the data (offset 12).
  const runtime = `60${hex(dataLength)}600c600039` + `60${hex(dataLength)}6000fd` + revertData;
  const runtimeLength = runtime.length / 2;
  // PUSH1 len PUSH1 offset PUSH1 0 CODECOPY PUSH1 len PUSH1 0 RETURN, then the runtime (offset 12).
  return `0x60${hex(runtimeLength)}600c600039` + `60${hex(runtimeLength)}6000f3` + runtime;
}
