/**
 * After a broadcast, the chain decides: this watcher polls for the receipt (each poll under the RPC
 * deadline) and records the outcome on the transaction's stream, confirmed or failed in execution. It gives
 * up after `giveUpMs` (the transaction stays `broadcast`) and stops with the server.
 */
import { transactionAggregate } from "../../commands/transaction.js";
import type { Services } from "../app/services.js";
import type { ChainRpc } from "../chains/rpc.js";
import type { EventMetadata } from "../eventstore/port.js";

interface Receipt {
  status: string;
  blockNumber: string;
  gasUsed: string;
}

export interface ReceiptWatcherOptions {
  pollMs?: number;
  giveUpMs?: number;
}

export class ReceiptWatcher {
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly pollMs: number;
  private readonly giveUpMs: number;

  constructor(private readonly services: Pick<Services, "bus" | "logger">, options: ReceiptWatcherOptions = {}) {
    this.pollMs = options.pollMs ?? 500;
    this.giveUpMs = options.giveUpMs ?? 10 * 60_000;
  }

  watch(rpc: ChainRpc, place: { txId: string; agentId: string; orgId: string }, txHash: string, metadata: EventMetadata): void {
    const giveUpAt = Date.now() + this.giveUpMs;
    const poll = async (): Promise<void> => {
      if (this.stopped) return;
      let receipt: Receipt | null = null;
      try {
        receipt = await rpc.call<Receipt | null>("eth_getTransactionReceipt", [txHash]);
      } catch (error) {
        this.services.logger.debug({ tx_id: place.txId, err: error instanceof Error ? error.message : String(error) },
          "receipt poll failed; polling on");
      }
      if (this.stopped) return;
      if (!receipt) {
        if (Date.now() >= giveUpAt) {
          this.services.logger.warn({ tx_id: place.txId, tx_hash: txHash }, "no receipt in time: the transaction stays broadcast");
          return;
        }
        this.schedule(poll, this.pollMs);
        return;
      }
      const blockNumber = Number(BigInt(receipt.blockNumber));
      const command = receipt.status === "0x1"
        ? { type: "RecordConfirmation" as const, ...place, blockNumber, gasUsed: Number(BigInt(receipt.gasUsed)) }
        : { type: "RecordFailure" as const, ...place, stage: "execution" as const, error: `reverted on chain in block ${blockNumber}` };
      await this.services.bus.handle(transactionAggregate, place.txId, command, { metadata }).catch((error: unknown) =>
        this.services.logger.error({ tx_id: place.txId, err: error instanceof Error ? error.message : String(error) },
          "could not record the transaction's receipt"));
    };
    this.schedule(poll, 0);
  }

  private schedule(poll: () => Promise<void>, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const running = poll().finally(() => this.inFlight.delete(running));
      this.inFlight.add(running);
    }, delayMs);
    this.timers.add(timer);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
  }
}
