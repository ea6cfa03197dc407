/** The Intents API's running parts, opened with the server: the chain registry and the receipt watcher. */
import type { Services } from "../app/services.js";
import { chainRegistryFrom } from "../chains/registry.js";
import { ReceiptWatcher } from "./receipts.js";
import type { IntentsDependencies } from "./service.js";

export interface Intents extends IntentsDependencies {
  close(): Promise<void>;
}

export function openIntents(services: Pick<Services, "config" | "bus" | "logger">): Intents {
  const registry = chainRegistryFrom(services.config.chains);
  const receipts = new ReceiptWatcher({ bus: services.bus, logger: services.logger.child({ component: "intents" }) });
  return { registry, rpcDeadlineMs: services.config.chains.rpcDeadlineMs, receipts, tenderly: services.config.tenderly,
    close: () => receipts.stop() };
}
