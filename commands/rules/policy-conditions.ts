/**
 * Policy conditions: an IP allowlist (CIDR blocks) and time windows. They are checked when a policy is
 * written (so that a stored policy always means something definite) and evaluated on every request.
 * Unknown condition keys are refused on write: a condition we would silently ignore would grant more
 * than its author meant.
 */
import type { z } from "zod";
import type { PolicyConditionsSchema } from "../../events/policy.js";
import { Invalid } from "../errors.js";
import { cidrContains, formatCidr, parseCidr, parseIp, type CidrBlock } from "./cidr.js";

export type PolicyConditions = z.output<typeof PolicyConditionsSchema>;
type TimeWindow = NonNullable<PolicyConditions["time_windows"]>[number];

export const KNOWN_CONDITIONS = ["ip_allowlist", "time_windows"] as const;
const MAX_ALLOWLIST = 100;
const MAX_WINDOWS = 50;
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

export class InvalidPolicyConditions extends Invalid {
  constructor(reason: string) {
    super(`invalid conditions: ${reason}`);
    this.name = "InvalidPolicyConditions";
  }
}

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * The conditions as they will be recorded: known keys only, CIDRs canonical (`10.1.0.0/16`), time zones
 * checked. Throws InvalidPolicyConditions (a 400).
 */
export function normalizeConditions(conditions: PolicyConditions): PolicyConditions {
  const unknown = Object.keys(conditions).filter((key) => !(KNOWN_CONDITIONS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw new InvalidPolicyConditions(`unsupported condition ${unknown.join(", ")} (supported: ${KNOWN_CONDITIONS.join(", ")})`);
  }
  const normalized: PolicyConditions = {};
  if (conditions.ip_allowlist !== undefined) {
    if (conditions.ip_allowlist.length === 0) throw new InvalidPolicyConditions("ip_allowlist must not be empty");
    if (conditions.ip_allowlist.length > MAX_ALLOWLIST) throw new InvalidPolicyConditions(`ip_allowlist holds at most ${MAX_ALLOWLIST} blocks`);
    normalized.ip_allowlist = conditions.ip_allowlist.map((text) => {
      try {
        return formatCidr(parseCidr(text));
      } catch (error) {
        throw new InvalidPolicyConditions(`ip_allowlist: ${(error as Error).message}`);
      }
    });
  }
  if (conditions.time_windows !== undefined) {
    if (conditions.time_windows.length === 0) throw new InvalidPolicyConditions("time_windows must not be empty");
    if (conditions.time_windows.length > MAX_WINDOWS) throw new InvalidPolicyConditions(`time_windows holds at most ${MAX_WINDOWS} windows`);
    for (const window of conditions.time_windows) {
      if (window.start === window.end) throw new InvalidPolicyConditions("a time window's start and end must differ");
      if (window.timezone !== undefined && !validTimeZone(window.timezone)) {
        throw new InvalidPolicyConditions(`unknown time zone ${window.timezone}`);
      }
      if (window.days !== undefined && window.days.length === 0) throw new InvalidPolicyConditions("a time window's days must not be empty");
    }
    normalized.time_windows = conditions.time_windows;
  }
  return normalized;
}

/** Local weekday index (0 = Sunday) and minute of the day of an instant in a time zone. */
function localTime(at: Date, timeZone: string): { day: number; minute: number } {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const day = DAYS.indexOf(part("weekday").toLowerCase().slice(0, 3) as (typeof DAYS)[number]);
  return { day, minute: Number(part("hour")) * 60 + Number(part("minute")) };
}

/**
 * Whether an instant falls in a window. A window whose end is before its start runs overnight; its part
 * after midnight belongs to the day it started on (`fri 22:00-06:00` covers Saturday 03:00).
 */
function inWindow(window: TimeWindow, at: Date): boolean {
  const { day, minute } = localTime(at, window.timezone ?? "UTC");
  const start = minutes(window.start);
  const end = window.end === "24:00" ? 24 * 60 : minutes(window.end);
  const onDay = (d: number) => !window.days || window.days.includes(DAYS[(d + 7) % 7]);
  if (start < end) return onDay(day) && minute >= start && minute < end;
  return (onDay(day) && minute >= start) || (onDay(day - 1) && minute < end);
}

/** Why the conditions do not hold for a request, or undefined when they do. */
export function conditionsFailure(conditions: PolicyConditions, request: { ip: string; at: Date }): string | undefined {
  if (conditions.ip_allowlist) {
    const address = parseIp(request.ip);
    const blocks: CidrBlock[] = [];
    for (const text of conditions.ip_allowlist) {
      try { blocks.push(parseCidr(text)); } catch { /* a malformed block allows nobody */ }
    }
    if (!address || !blocks.some((block) => cidrContains(block, address))) return "address not in the policy's ip_allowlist";
  }
  if (conditions.time_windows && !conditions.time_windows.some((window) => inWindow(window, request.at))) {
    return "outside the policy's time windows";
  }
  return undefined;
}
