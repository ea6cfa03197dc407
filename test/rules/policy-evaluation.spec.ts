/** The policy decision: matching, permission, expiry, conditions, priority, and deny winning ties. */
import { expect } from "chai";
import { evaluatePolicies, type AccessRequest } from "../../commands/rules/policy-evaluation.js";
import type { PolicyRecord } from "../../src/access/policies.js";

let counter = 0;
function policy(overrides: Partial<PolicyRecord> = {}): PolicyRecord {
  counter += 1;
  return {
    id: `p${counter}`, vaultId: "v", orgId: "o", pattern: "**", principal: { type: "agent", id: "a" },
    permissions: ["read"], conditions: {}, expiresAt: null, effect: "allow", priority: 0,
    createdBy: { type: "user", id: "u" }, createdAt: new Date("2026-01-01T00:00:00Z"), ...overrides,
  };
}
// A Wednesday, 10:30 UTC.
const at = new Date("2026-01-07T10:30:00Z");
const read = (path: string | undefined, extra: Partial<AccessRequest> = {}): AccessRequest =>
  ({ path, permission: "read", ip: "10.1.2.3", at, ...extra });

describe("policy evaluation", () => {
  it("refuses when no policy exists", () => {
    expect(evaluatePolicies([], read("a/b"))).to.deep.equal({ allowed: false, reason: "no matching policy" });
  });

  it("allows through a matching policy and names it", () => {
    const grant = policy({ pattern: "api-keys/*" });
    expect(evaluatePolicies([grant], read("api-keys/stripe"))).to.deep.equal({ allowed: true, policyId: grant.id });
    expect(evaluatePolicies([grant], read("api-keys/a/b")).allowed).to.equal(false);
  });

  it("needs the permission asked for (write does not imply read, nor read write)", () => {
    expect(evaluatePolicies([policy({ permissions: ["read"] })], read("x", { permission: "write" })).allowed).to.equal(false);
    expect(evaluatePolicies([policy({ permissions: ["write"] })], read("x")).allowed).to.equal(false);
  });

  it("ignores an expired policy", () => {
    const expired = policy({ expiresAt: new Date("2026-01-07T10:30:00Z") });
    expect(evaluatePolicies([expired], read("x")).allowed).to.equal(false);
    expect(evaluatePolicies([policy({ expiresAt: new Date("2026-01-07T10:31:00Z") })], read("x")).allowed).to.equal(true);
  });

  it("lets deny win at equal priority, whatever the order", () => {
    const allow = policy();
    const deny = policy({ effect: "deny", pattern: "api-keys/**" });
    for (const policies of [[allow, deny], [deny, allow]]) {
      expect(evaluatePolicies(policies, read("api-keys/stripe"))).to.deep.equal({
        allowed: false, reason: `denied by policy ${deny.id}`, policyId: deny.id,
      });
      expect(evaluatePolicies(policies, read("db/url")).allowed).to.equal(true);
    }
  });

  it("lets a higher-priority allow override a lower-priority deny, and the reverse", () => {
    const deny = policy({ effect: "deny", priority: 1 });
    const allow = policy({ priority: 2 });
    expect(evaluatePolicies([deny, allow], read("x"))).to.deep.equal({ allowed: true, policyId: allow.id });
    expect(evaluatePolicies([policy({ priority: 3, effect: "deny" }), allow], read("x")).allowed).to.equal(false);
  });

  it("applies IP allowlists to allow and deny policies alike", () => {
    const office = policy({ conditions: { ip_allowlist: ["10.0.0.0/8", "2001:db8::/32"] } });
    expect(evaluatePolicies([office], read("x")).allowed).to.equal(true);
    expect(evaluatePolicies([office], read("x", { ip: "::ffff:10.9.9.9" })).allowed).to.equal(true);
    expect(evaluatePolicies([office], read("x", { ip: "2001:db8::7" })).allowed).to.equal(true);
    expect(evaluatePolicies([office], read("x", { ip: "192.168.1.1" }))).to.deep.equal({
      allowed: false, reason: "address not in the policy's ip_allowlist",
    });
    expect(evaluatePolicies([office], read("x", { ip: "not an address" })).allowed).to.equal(false);
    // A deny limited to some addresses denies only from them.
    const denyOutside = policy({ effect: "deny", conditions: { ip_allowlist: ["192.168.0.0/16"] } });
    expect(evaluatePolicies([policy(), denyOutside], read("x", { ip: "192.168.1.1" })).allowed).to.equal(false);
    expect(evaluatePolicies([policy(), denyOutside], read("x")).allowed).to.equal(true);
  });

  it("applies time windows in their time zone, by day, and overnight", () => {
    const office = policy({ conditions: { time_windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "09:00", end: "17:00" }] } });
    expect(evaluatePolicies([office], read("x")).allowed).to.equal(true);
    expect(evaluatePolicies([office], read("x", { at: new Date("2026-01-07T17:00:00Z") })).allowed).to.equal(false);
    expect(evaluatePolicies([office], read("x", { at: new Date("2026-01-10T10:30:00Z") }))).to.deep.equal({
      allowed: false, reason: "outside the policy's time windows",
    });
    // 10:30 UTC is 19:30 in Tokyo: outside 09:00-17:00 there.
    const tokyo = policy({ conditions: { time_windows: [{ start: "09:00", end: "17:00", timezone: "Asia/Tokyo" }] } });
    expect(evaluatePolicies([tokyo], read("x")).allowed).to.equal(false);
    // Friday 22:00 to 06:00 covers Saturday 03:00 but not Wednesday 03:00.
    const night = policy({ conditions: { time_windows: [{ days: ["fri"], start: "22:00", end: "06:00" }] } });
    expect(evaluatePolicies([night], read("x", { at: new Date("2026-01-10T03:00:00Z") })).allowed).to.equal(true);
    expect(evaluatePolicies([night], read("x", { at: new Date("2026-01-09T23:00:00Z") })).allowed).to.equal(true);
    expect(evaluatePolicies([night], read("x", { at: new Date("2026-01-07T03:00:00Z") })).allowed).to.equal(false);
    const untilMidnight = policy({ conditions: { time_windows: [{ start: "20:00", end: "24:00" }] } });
    expect(evaluatePolicies([untilMidnight], read("x", { at: new Date("2026-01-07T23:59:00Z") })).allowed).to.equal(true);
  });

  it("decides vault-level requests: any allow grants, only a whole-vault deny refuses", () => {
    expect(evaluatePolicies([policy({ pattern: "db/*" })], read(undefined)).allowed).to.equal(true);
    expect(evaluatePolicies([policy(), policy({ effect: "deny", pattern: "db/*" })], read(undefined)).allowed).to.equal(true);
    expect(evaluatePolicies([policy(), policy({ effect: "deny", pattern: "**" })], read(undefined)).allowed).to.equal(false);
  });
});
