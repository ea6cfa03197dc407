import { randomUUID } from "node:crypto";
import { PolicyCreated, PolicyDeleted, PolicyUpdated } from "../../events/policy.js";
import { policiesProjection } from "../../projections/policies.js";
import { describeProjection, fact } from "../support/projection-spec.js";

describe("policies read model", () => {
  const spec = describeProjection(policiesProjection);
  const [org, vault, agent] = [randomUUID(), randomUUID(), randomUUID()];
  const by = { type: "user" as const, id: randomUUID() };
  const ids = (id: string) => ({ policy_id: id, vault_id: vault, org_id: org });
  const created = (id: string, extra: Record<string, unknown> = {}) => PolicyCreated.of({ ...ids(id),
    secret_path_pattern: "api-keys/*", principal_type: "agent", principal_id: agent, permissions: ["read"], created_by: by, ...extra });

  it("holds each living policy's current terms, with defaults filled in", async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    await (await spec().given(
      fact(created(a), { at: new Date("2026-01-01T00:00:00Z") }),
      fact(created(b, { effect: "deny", priority: 5, conditions: { ip_allowlist: ["10.0.0.0/8"] } }),
        { at: new Date("2026-01-02T00:00:00Z") }),
      fact(PolicyUpdated.of({ ...ids(a), permissions: ["read", "write"], expires_at: "2026-12-31T00:00:00Z", updated_by: by }),
        { at: new Date("2026-01-03T00:00:00Z") }),
    )).expectRows(`select id, permissions, conditions, expires_at, effect, priority, created_at, updated_at from policies
                    order by created_at`, [
      { id: a, permissions: ["read", "write"], conditions: {}, expires_at: new Date("2026-12-31T00:00:00Z"), effect: "allow",
        priority: 0, created_at: new Date("2026-01-01T00:00:00Z"), updated_at: new Date("2026-01-03T00:00:00Z") },
      { id: b, permissions: ["read"], conditions: { ip_allowlist: ["10.0.0.0/8"] }, expires_at: null, effect: "deny",
        priority: 5, created_at: new Date("2026-01-02T00:00:00Z"), updated_at: new Date("2026-01-02T00:00:00Z") },
    ]);
  });

  it("forgets a deleted policy", async () => {
    const id = randomUUID();
    await (await spec().given(created(id), PolicyDeleted.of({ ...ids(id), deleted_by: by })))
      .expectRows("select id from policies", []);
  });
});
