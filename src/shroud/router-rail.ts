/**
 * What a call through a router key (`sk-shroud-v1-…`, the "router rail") owes beyond an agent's own call:
 * a smaller body, and the key's spend cap, checked before the call at the head of the key's spend stream
 * and fed after it with what the call cost by the price table (before the answer ends, so the next call
 * sees it). No inspection fee is charged (docs/decisions.md).
 */
import { routerKeySpendAggregate, RouterKeySpendCapReached } from "../../commands/router-key-spend.js";
import { RouterKeySpent } from "../../events/router-key.js";
import type { RouterKeyRecord } from "../agents/router-keys.js";
import type { CommandBus } from "../app/command-bus.js";
import type { EventMetadata } from "../eventstore/port.js";
import type { CallRecord } from "./activity.js";

/** 1claw's limit for router-rail request bodies (others may send 5 MB). */
export const ROUTER_RAIL_MAX_BODY_BYTES = 1024 * 1024;

export async function admitRouterKeySpend(bus: CommandBus, key: RouterKeyRecord, record: CallRecord, metadata: EventMetadata): Promise<void> {
  if (key.spendCapMicroUsd === null) return;
  try {
    await bus.handle(routerKeySpendAggregate, key.id, { type: "CheckRouterKeySpend", keyId: key.id, capMicroUsd: key.spendCapMicroUsd },
      { metadata, readYourWrites: false });
  } catch (error) {
    if (error instanceof RouterKeySpendCapReached) {
      record.policyViolations.push(error.message);
      record.blocked = true;
    }
    throw error;
  }
}

export async function recordRouterKeySpend(bus: CommandBus, key: RouterKeyRecord, record: CallRecord, metadata: EventMetadata): Promise<void> {
  if (record.costMicroUsd <= 0) return;
  await bus.record(routerKeySpendAggregate.stream(key.id), [RouterKeySpent.of({
    key_id: key.id, agent_id: key.agentId, org_id: key.orgId, call_id: record.callId, cost_micro_usd: record.costMicroUsd,
  })], { metadata, readYourWrites: false });
}
