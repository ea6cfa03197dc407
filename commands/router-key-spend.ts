/**
 * What a router key has spent, over its whole life (stream per key): a call is admitted only while the
 * recorded spend is under the key's cap. Checked at the stream's head, so the cap holds across Shroud
 * processes as the agent's daily budget does; calls in flight when it is reached may finish (their cost is
 * not known before they end).
 */
import { readRouterKeySpendEvent, type RouterKeySpendEvent } from "../events/router-key.js";
import { defineAggregate } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { Forbidden } from "./errors.js";

export interface CheckRouterKeySpend {
  type: "CheckRouterKeySpend";
  keyId: string;
  capMicroUsd: number;
}

export interface RouterKeySpendState {
  spentMicroUsd: number;
}

export class RouterKeySpendCapReached extends Forbidden {
  constructor(capMicroUsd: number) {
    super(`router key spend cap of $${(capMicroUsd / 1_000_000).toFixed(2)} reached`);
    this.name = "RouterKeySpendCapReached";
  }
}

export const routerKeySpendDecider: Decider<CheckRouterKeySpend, RouterKeySpendState, RouterKeySpendEvent> = {
  initialState: { spentMicroUsd: 0 },
  evolve: (state, event) => ({ spentMicroUsd: state.spentMicroUsd + event.data.cost_micro_usd }),
  decide(command, state) {
    if (state.spentMicroUsd >= command.capMicroUsd) throw new RouterKeySpendCapReached(command.capMicroUsd);
    return [];
  },
};

export const routerKeySpendAggregate = defineAggregate("router_key_spend", routerKeySpendDecider, readRouterKeySpendEvent);
