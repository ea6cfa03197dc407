/** The human-side deciders, given/when/then: users, organisations, signups, email claims, logins. */
import { specFor } from "../support/decider.js";
import { userDecider, InvalidMfaCode, MfaAlreadyEnabled, MfaNotEnabled, MfaSetupNotStarted, PasswordNotSet,
  UserAlreadyExists, UserNotFound, WrongPassword } from "../../commands/user.js";
import { orgDecider, LastOwner, MemberAlreadyInOrg, MemberNotFound, RoleChangeForbidden } from "../../commands/org.js";
import { signupDecider, VerificationTokenInvalid } from "../../commands/signup.js";
import { emailDecider, EmailTaken } from "../../commands/email.js";
import { loginDecider, MfaChallengeInvalid } from "../../commands/login.js";
import { UserDeleted, UserMfaCodeUsed, UserMfaDisabled, UserMfaEnabled, UserMfaSetupStarted, UserPasswordChanged,
  UserProfileUpdated, UserRegistered } from "../../events/user.js";
import { OrgCreated, OrgMemberJoined, OrgMemberRemoved, OrgMemberRoleChanged } from "../../events/org.js";
import { SignupRequested, SignupVerified } from "../../events/signup.js";
import { EmailClaimed, EmailReleased } from "../../events/email.js";
import { LoginFailed, LoginSucceeded, MfaChallengeIssued } from "../../events/login.js";

const USER = "11111111-1111-4111-8111-111111111111";
const ORG = "22222222-2222-4222-8222-222222222222";
const OTHER = "33333333-3333-4333-8333-333333333333";
const THIRD = "44444444-4444-4444-8444-444444444444";
const CHALLENGE = "55555555-5555-4555-8555-555555555555";
const hex = (c: string) => c.repeat(64);
const sealed = { alg: "A256GCM+DEK-wrapped/v1" as const, kekId: "k", wrappedKey: "w", iv: "i", ciphertext: "c", tag: "t" };

describe("deciders of the human side", () => {
  describe("user", () => {
    const spec = specFor(userDecider);
    const registered = UserRegistered.of({ user_id: USER, org_id: ORG, email: "a@b.test", display_name: "a",
      auth_method: "password", password_hash: "$argon2id$x", role: "owner" });
    const mfaOn = [UserMfaSetupStarted.of({ sealed_secret: sealed }),
      UserMfaEnabled.of({ recovery_code_hashes: [hex("a"), hex("b")], totp_step: 100 })];

    it("registers a user once", () => {
      spec.given().when({ type: "RegisterUser", userId: USER, orgId: ORG, email: "a@b.test", displayName: "a",
        authMethod: "password", passwordHash: "$argon2id$x", role: "owner" }).then(registered);
      spec.given(registered).when({ type: "RegisterUser", userId: USER, orgId: ORG, email: "a@b.test", displayName: "a",
        authMethod: "password", role: "owner" }).thenThrows(UserAlreadyExists);
    });

    it("records only the profile fields given, and nothing for an empty change", () => {
      spec.given(registered).when({ type: "UpdateProfile", displayName: "b" })
        .then(UserProfileUpdated.of({ display_name: "b" }));
      spec.given(registered).when({ type: "UpdateProfile" }).then();
    });

    it("changes the password only when the current one matched", () => {
      spec.given(registered).when({ type: "ChangePassword", currentPasswordMatches: true, newPasswordHash: "$new" })
        .then(UserPasswordChanged.of({ password_hash: "$new" }));
      spec.given(registered).when({ type: "ChangePassword", currentPasswordMatches: false, newPasswordHash: "$new" })
        .thenThrows(WrongPassword);
      spec.given(UserRegistered.of({ user_id: USER, org_id: ORG, email: "g@b.test", display_name: "g", auth_method: "google",
        role: "owner" })).when({ type: "ChangePassword", currentPasswordMatches: false, newPasswordHash: "$new" })
        .thenThrows(PasswordNotSet);
    });

    it("enables MFA only after a setup and with a matching code", () => {
      spec.given(registered).when({ type: "ConfirmMfaSetup", totpStep: 5, recoveryCodeHashes: [] }).thenThrows(MfaSetupNotStarted);
      spec.given(registered, mfaOn[0]).when({ type: "ConfirmMfaSetup", recoveryCodeHashes: [] }).thenThrows(InvalidMfaCode);
      spec.given(registered, mfaOn[0]).when({ type: "ConfirmMfaSetup", totpStep: 100, recoveryCodeHashes: [hex("a"), hex("b")] })
        .then(mfaOn[1]);
      spec.given(registered, ...mfaOn).when({ type: "StartMfaSetup", sealedSecret: sealed }).thenThrows(MfaAlreadyEnabled);
    });

    it("accepts each TOTP step once, and only newer ones", () => {
      spec.given(registered, ...mfaOn).when({ type: "UseMfaCode", proof: { totpStep: 101 } })
        .then(UserMfaCodeUsed.of({ totp_step: 101 }));
      spec.given(registered, ...mfaOn).when({ type: "UseMfaCode", proof: { totpStep: 100 } }).thenThrows(InvalidMfaCode);
      spec.given(registered, ...mfaOn, UserMfaCodeUsed.of({ totp_step: 102 })).when({ type: "UseMfaCode", proof: { totpStep: 101 } })
        .thenThrows(InvalidMfaCode);
      spec.given(registered).when({ type: "UseMfaCode", proof: { totpStep: 101 } }).thenThrows(MfaNotEnabled);
    });

    it("accepts each recovery code once", () => {
      spec.given(registered, ...mfaOn).when({ type: "UseMfaCode", proof: { recoveryCodeHash: hex("b") } })
        .then(UserMfaCodeUsed.of({ recovery_code_index: 1 }));
      spec.given(registered, ...mfaOn, UserMfaCodeUsed.of({ recovery_code_index: 1 }))
        .when({ type: "UseMfaCode", proof: { recoveryCodeHash: hex("b") } }).thenThrows(InvalidMfaCode);
      spec.given(registered, ...mfaOn).when({ type: "UseMfaCode", proof: { recoveryCodeHash: hex("c") } }).thenThrows(InvalidMfaCode);
    });

    it("disables MFA with a valid second factor only", () => {
      spec.given(registered, ...mfaOn).when({ type: "DisableMfa", proof: { recoveryCodeHash: hex("a") } })
        .then(UserMfaCodeUsed.of({ recovery_code_index: 0 }), UserMfaDisabled.of({}));
      spec.given(registered, ...mfaOn).when({ type: "DisableMfa", proof: {} }).thenThrows(InvalidMfaCode);
    });

    it("deletes a user, after which nothing else is decided", () => {
      spec.given(registered).when({ type: "DeleteUser" }).then(UserDeleted.of({ user_id: USER, org_id: ORG }));
      spec.given(registered, UserDeleted.of({ user_id: USER, org_id: ORG })).when({ type: "UpdateProfile", displayName: "x" })
        .thenThrows(UserNotFound);
    });
  });

  describe("organisation", () => {
    const spec = specFor(orgDecider);
    const created = OrgCreated.of({ org_id: ORG, name: "o", owner_id: USER });
    const withAdmin = [created, OrgMemberJoined.of({ user_id: OTHER, role: "admin" }), OrgMemberJoined.of({ user_id: THIRD, role: "member" })];

    it("adds a member once", () => {
      spec.given(created).when({ type: "AddMember", userId: OTHER, role: "member" })
        .then(OrgMemberJoined.of({ user_id: OTHER, role: "member" }));
      spec.given(...withAdmin).when({ type: "AddMember", userId: OTHER, role: "member" }).thenThrows(MemberAlreadyInOrg);
    });

    it("lets admins manage members but never owners", () => {
      spec.given(...withAdmin).when({ type: "ChangeMemberRole", actorId: OTHER, userId: THIRD, role: "admin" })
        .then(OrgMemberRoleChanged.of({ user_id: THIRD, role: "admin" }));
      spec.given(...withAdmin).when({ type: "ChangeMemberRole", actorId: OTHER, userId: THIRD, role: "owner" })
        .thenThrows(RoleChangeForbidden);
      spec.given(...withAdmin).when({ type: "RemoveMember", actorId: OTHER, userId: USER }).thenThrows(RoleChangeForbidden);
      spec.given(...withAdmin).when({ type: "RemoveMember", actorId: THIRD, userId: OTHER }).thenThrows(RoleChangeForbidden);
      spec.given(...withAdmin).when({ type: "RemoveMember", actorId: USER, userId: "66666666-6666-4666-8666-666666666666" })
        .thenThrows(MemberNotFound);
    });

    it("keeps a last owner", () => {
      spec.given(...withAdmin).when({ type: "ChangeMemberRole", actorId: USER, userId: USER, role: "admin" }).thenThrows(LastOwner);
      spec.given(...withAdmin).when({ type: "LeaveOrg", userId: USER }).thenThrows(LastOwner);
      spec.given(created).when({ type: "LeaveOrg", userId: USER }).then(OrgMemberRemoved.of({ user_id: USER }));
      spec.given(...withAdmin, OrgMemberRoleChanged.of({ user_id: OTHER, role: "owner" }))
        .when({ type: "ChangeMemberRole", actorId: OTHER, userId: USER, role: "member" })
        .then(OrgMemberRoleChanged.of({ user_id: USER, role: "member" }));
    });
  });

  describe("signup", () => {
    const spec = specFor(signupDecider);
    const requested = SignupRequested.of({ signup_id: OTHER, email: "a@b.test", display_name: "", password_hash: "$h",
      token_hash: hex("d"), expires_at: "2026-01-02T00:00:00.000Z" });

    it("is verified once, with the right token, before it expires", () => {
      spec.given(requested).when({ type: "VerifySignup", presentedTokenHash: hex("d"), userId: USER })
        .then(SignupVerified.of({ user_id: USER }));
      spec.given(requested).when({ type: "VerifySignup", presentedTokenHash: hex("e"), userId: USER }).thenThrows(VerificationTokenInvalid);
      spec.given(requested, SignupVerified.of({ user_id: USER }))
        .when({ type: "VerifySignup", presentedTokenHash: hex("d"), userId: USER }).thenThrows(VerificationTokenInvalid);
      specFor(signupDecider, () => new Date("2026-01-03T00:00:00Z")).given(requested)
        .when({ type: "VerifySignup", presentedTokenHash: hex("d"), userId: USER }).thenThrows(VerificationTokenInvalid);
    });
  });

  describe("email claim", () => {
    const spec = specFor(emailDecider);
    it("gives an address to one account at a time", () => {
      spec.given().when({ type: "ClaimEmail", email: "a@b.test", userId: USER }).then(EmailClaimed.of({ email: "a@b.test", user_id: USER }));
      spec.given(EmailClaimed.of({ email: "a@b.test", user_id: USER })).when({ type: "ClaimEmail", email: "a@b.test", userId: USER }).then();
      spec.given(EmailClaimed.of({ email: "a@b.test", user_id: USER })).when({ type: "ClaimEmail", email: "a@b.test", userId: OTHER })
        .thenThrows(EmailTaken);
      spec.given(EmailClaimed.of({ email: "a@b.test", user_id: USER }), EmailReleased.of({ user_id: USER }))
        .when({ type: "ClaimEmail", email: "a@b.test", userId: OTHER }).then(EmailClaimed.of({ email: "a@b.test", user_id: OTHER }));
    });
  });

  describe("login", () => {
    const spec = specFor(loginDecider);
    const issued = MfaChallengeIssued.of({ challenge_id: CHALLENGE, token_hash: hex("f"), expires_at: "2026-01-01T00:05:00.000Z" });
    const complete = { type: "CompleteMfaChallenge" as const, challengeId: CHALLENGE, presentedTokenHash: hex("f") };
    const failed = LoginFailed.of({ method: "mfa", reason: "wrong_mfa_code", challenge_id: CHALLENGE });

    it("spends a live challenge once", () => {
      spec.given(issued).when(complete).then(LoginSucceeded.of({ method: "mfa", challenge_id: CHALLENGE }));
      spec.given(issued, LoginSucceeded.of({ method: "mfa", challenge_id: CHALLENGE })).when(complete).thenThrows(MfaChallengeInvalid);
      spec.given(issued).when({ ...complete, presentedTokenHash: hex("0") }).thenThrows(MfaChallengeInvalid);
    });

    it("kills a challenge after five wrong codes, on expiry, or when a newer one is issued", () => {
      spec.given(issued, failed, failed, failed, failed).when(complete).then(LoginSucceeded.of({ method: "mfa", challenge_id: CHALLENGE }));
      spec.given(issued, failed, failed, failed, failed, failed).when(complete).thenThrows(MfaChallengeInvalid);
      specFor(loginDecider, () => new Date("2026-01-01T00:06:00Z")).given(issued).when(complete).thenThrows(MfaChallengeInvalid);
      spec.given(issued, MfaChallengeIssued.of({ challenge_id: USER, token_hash: hex("1"), expires_at: "2026-01-01T00:05:00.000Z" }))
        .when(complete).thenThrows(MfaChallengeInvalid);
    });
  });
});
