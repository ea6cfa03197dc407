/**
 * Shroud's policy engine, the stateful part: an agent's calls of one UTC day (stream per agent and day).
 * Admitting a call is a decision at the stream's revision, so requests per minute, requests per day and the
 * daily budget hold exactly whatever the number of Shroud processes. The budget counts the cost of calls
 * already recorded; calls in flight when it is reached may finish (their cost is not known before).
 */
import { ShroudCallAdmitted, readShroudUsageEvent, type ShroudUsageEvent } from "../events/shroud.js";
import { defineAggregate, type Timed } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { Forbidden, RateLimited } from "./errors.js";

export interface ShroudLimits {
  /** null: no limit. */
  perMinute: number | null;
  perDay: number | null;
  /** 0: unlimited. */
  dailyBudgetMicroUsd: number;
}

export interface AdmitShroudCall {
  type: "AdmitShroudCall";
  callId: string;
  agentId: string;
  orgId: string;
  day: string;
  provider: string;
  model: string;
  limits: ShroudLimits;
}

export interface ShroudUsageState {
  admitted: number;
  /** When the admitted calls were admitted (ms), oldest first: the per-minute window reads the tail. */
  admittedAt: number[];
  spentMicroUsd: number;
}

export class ShroudRateLimited extends RateLimited {
  constructor(message: string, retryAfterSeconds: number) {
    super(message, retryAfterSeconds);
    this.name = "ShroudRateLimited";
  }
}

export class ShroudBudgetExceeded extends Forbidden {
  constructor(budgetUsd: number) {
    super(`daily budget of $${budgetUsd.toFixed(2)} exceeded`);
    this.name = "ShroudBudgetExceeded";
  }
}

const MINUTE_MS = 60_000;

/** Admissions in the minute before `now` (exclusive of anything older than 60 s). */
export function admittedInLastMinute(state: ShroudUsageState, now: Date): { count: number; oldest?: number } {
  const since = now.getTime() - MINUTE_MS;
  let index = state.admittedAt.length;
  while (index > 0 && state.admittedAt[index - 1] > since) index--;
  return { count: state.admittedAt.length - index, oldest: state.admittedAt[index] };
}

export const shroudUsageDecider: Decider<AdmitShroudCall, ShroudUsageState, ShroudUsageEvent> = {
  initialState: { admitted: 0, admittedAt: [], spentMicroUsd: 0 },

  evolve(state, event: Timed<ShroudUsageEvent>) {
    switch (event.type) {
      case "ShroudCallAdmitted":
        return { ...state, admitted: state.admitted + 1, admittedAt: [...state.admittedAt, event.at?.getTime() ?? 0] };
      case "ShroudCallRecorded":
        return { ...state, spentMicroUsd: state.spentMicroUsd + event.data.cost_micro_usd };
    }
  },

  decide(command, state, now) {
    const { limits } = command;
    if (limits.perDay !== null && state.admitted >= limits.perDay) {
      const nextDay = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
      throw new ShroudRateLimited(`max_requests_per_day (${limits.perDay}) exceeded for agent`,
        Math.max(1, Math.ceil((nextDay - now.getTime()) / 1000)));
    }
    if (limits.perMinute !== null) {
      const window = admittedInLastMinute(state, now);
      if (window.count >= limits.perMinute) {
        const retry = window.oldest === undefined ? 60 : Math.ceil((window.oldest + MINUTE_MS - now.getTime()) / 1000);
        throw new ShroudRateLimited(`max_requests_per_minute (${limits.perMinute}) exceeded for agent`, Math.max(1, retry));
      }
    }
    if (limits.dailyBudgetMicroUsd > 0 && state.spentMicroUsd >= limits.dailyBudgetMicroUsd) {
      throw new ShroudBudgetExceeded(limits.dailyBudgetMicroUsd / 1_000_000);
    }
    return [ShroudCallAdmitted.of({
      call_id: command.callId, agent_id: command.agentId, org_id: command.orgId, day: command.day,
      provider: command.provider, model: command.model,
    })];
  },
};

export const shroudUsageAggregate = defineAggregate("shroud_usage", shroudUsageDecider, readShroudUsageEvent);
