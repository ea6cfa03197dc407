import { randomUUID } from "node:crypto";
import { OrgCreated, OrgMemberRemoved, OrgMemberRoleChanged } from "../../events/org.js";
import { UserDeleted, UserMfaDisabled, UserMfaEnabled, UserProfileUpdated, UserRegistered } from "../../events/user.js";
import { usersProjection } from "../../projections/users.js";
import { describeProjection, fact } from "../support/projection-spec.js";

describe("users read model", () => {
  const spec = describeProjection(usersProjection);
  const org = randomUUID();
  const registered = (id: string, role: "owner" | "member") => fact(UserRegistered.of({ user_id: id, org_id: org,
    email: `${id}@example.test`, display_name: "Ada", auth_method: "password", password_hash: "$argon2id$x", role }),
    { stream: `user-${id}`, at: new Date("2026-01-01T00:00:00Z") });

  it("keeps profiles, MFA and roles, never a password hash", async () => {
    const owner = randomUUID();
    const member = randomUUID();
    const given = await spec().given(
      fact(OrgCreated.of({ org_id: org, name: "Acme", owner_id: owner }), { stream: `org-${org}`, at: new Date("2026-01-01T00:00:00Z") }),
      registered(owner, "owner"), registered(member, "member"),
      fact(UserProfileUpdated.of({ display_name: "Ada L.", marketing_emails: true }), { stream: `user-${owner}` }),
      fact(UserMfaEnabled.of({ recovery_code_hashes: ["h"], totp_step: 1 }), { stream: `user-${owner}` }),
      fact(UserMfaEnabled.of({ recovery_code_hashes: ["h"], totp_step: 2 }), { stream: `user-${member}` }),
      fact(UserMfaDisabled.of({}), { stream: `user-${member}` }),
      fact(OrgMemberRoleChanged.of({ user_id: member, role: "admin" }), { stream: `org-${org}` }),
    );
    await given.expectRows("select id, display_name, role, active, marketing_emails, totp_enabled from users order by role desc", [
      { id: owner, display_name: "Ada L.", role: "owner", active: true, marketing_emails: true, totp_enabled: true },
      { id: member, display_name: "Ada", role: "admin", active: true, marketing_emails: false, totp_enabled: false },
    ]);
    await given.expectRows("select name, owner_id, created_at from orgs",
      [{ name: "Acme", owner_id: owner, created_at: new Date("2026-01-01T00:00:00Z") }]);
    await given.expectRows("select count(*)::int as n from users u where u::text like '%argon2id%'", [{ n: 0 }]);
  });

  it("keeps removed and deleted users' rows, no longer active", async () => {
    const [removed, deleted] = [randomUUID(), randomUUID()];
    await (await spec().given(registered(removed, "member"), registered(deleted, "member"),
      fact(OrgMemberRemoved.of({ user_id: removed }), { stream: `org-${org}` }),
      fact(UserDeleted.of({ user_id: deleted, org_id: org }), { stream: `user-${deleted}` }),
    )).expectRows("select active from users", [{ active: false }, { active: false }]);
  });
});
