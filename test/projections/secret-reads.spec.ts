import { randomUUID } from "node:crypto";
import { SecretValueRead } from "../../events/secret.js";
import { secretReadsProjection } from "../../projections/secret-reads.js";
import { describeProjection, fact } from "../support/projection-spec.js";

describe("secret reads read model", () => {
  const spec = describeProjection(secretReadsProjection);

  it("records each value returned, with its reader, the granting policy and when", async () => {
    const [org, vault, secret, policy] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const [user, agent] = [{ type: "user" as const, id: randomUUID() }, { type: "agent" as const, id: randomUUID() }];
    const read = (version: number, reader: typeof user | typeof agent, policyId?: string) => SecretValueRead.of({
      vault_id: vault, org_id: org, secret_id: secret, path: "api-keys/stripe", version, reader,
      ...(policyId ? { policy_id: policyId } : {}) });
    await (await spec().given(
      fact(read(1, user), { at: new Date("2026-01-01T00:00:00Z") }),
      fact(read(2, agent, policy), { at: new Date("2026-01-02T00:00:00Z") }),
    )).expectRows(`select secret_id, vault_id, org_id, path, version, reader_type, reader_id, policy_id, read_at
                    from secret_reads order by read_at`, [
      { secret_id: secret, vault_id: vault, org_id: org, path: "api-keys/stripe", version: 1, reader_type: "user",
        reader_id: user.id, policy_id: null, read_at: new Date("2026-01-01T00:00:00Z") },
      { secret_id: secret, vault_id: vault, org_id: org, path: "api-keys/stripe", version: 2, reader_type: "agent",
        reader_id: agent.id, policy_id: policy, read_at: new Date("2026-01-02T00:00:00Z") },
    ]);
  });
});
