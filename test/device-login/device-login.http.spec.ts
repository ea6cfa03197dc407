import { expect } from "chai";
import { createUser, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";

const GRANT = "urn:ietf:params:oauth:grant-type:device_code";

describe("device login (RFC 8628) over HTTP", () => {
  let server: TestServer;
  let human: TestUser;

  before(async () => {
    server = await startTestServer("device-login");
    human = await createUser(server);
  });
  after(() => server?.close());

  const requestCode = async () => {
    const answer = await server.request("POST", "/v1/auth/device/code", { body: { client_id: "cli" } });
    expect(answer.status).to.equal(200);
    return answer.body as { device_code: string; user_code: string; verification_uri: string; verification_uri_complete: string; expires_in: number; interval: number };
  };
  const poll = (deviceCode: string) =>
    server.request("POST", "/v1/auth/device/token", { body: { device_code: deviceCode, grant_type: GRANT } });

  it("hands out a code pair, answers pending then slow_down, and after approval the token, once", async () => {
    const code = await requestCode();
    expect(code.user_code).to.match(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(code).to.include({ expires_in: 600, interval: 5 });
    // People are sent to the dashboard's approval page, the code filled in.
    expect(code.verification_uri).to.match(/\/cli\/verify$/);
    expect(code.verification_uri_complete).to.equal(`${code.verification_uri}?code=${code.user_code}`);

    const pending = await poll(code.device_code);
    expect(pending.status).to.equal(400);
    expect(pending.body).to.include({ error: "authorization_pending", status: 400 });
    const tooFast = await poll(code.device_code);
    expect(tooFast.body).to.include({ error: "slow_down" });

    const lookup = await server.request("GET", `/v1/auth/device/code/${code.user_code.toLowerCase()}`, { token: human.accessToken });
    expect(lookup.status).to.equal(200);
    expect(lookup.body).to.include({ user_code: code.user_code, client_id: "cli", status: "pending" });

    const approve = await server.request("POST", "/v1/auth/device/approve", { token: human.accessToken, body: { user_code: code.user_code } });
    expect(approve.status).to.equal(200);
    expect(approve.body.status).to.equal("approved");

    const granted = await poll(code.device_code);
    expect(granted.status).to.equal(200);
    expect(granted.body).to.include({ token_type: "Bearer", user_id: human.userId, org_id: human.orgId, email: human.email });
    const me = await server.request("GET", "/v1/auth/me", { token: granted.body.access_token });
    expect(me.body.id).to.equal(human.userId);

    const again = await poll(code.device_code);
    expect(again.status).to.equal(400);
    expect(again.body.error).to.equal("invalid_grant");
    const reapprove = await server.request("POST", "/v1/auth/device/approve", { token: human.accessToken, body: { user_code: code.user_code } });
    expect(reapprove.status).to.equal(409);
  });

  it("answers access_denied after the human denies the code", async () => {
    const code = await requestCode();
    const deny = await server.request("POST", "/v1/auth/device/deny", { token: human.accessToken, body: { user_code: code.user_code } });
    expect(deny.status).to.equal(200);
    expect(deny.body.status).to.equal("denied");
    const denied = await poll(code.device_code);
    expect(denied.body).to.include({ error: "access_denied" });
  });

  it("refuses forged device codes, unknown user codes, and approval without a signed-in human", async () => {
    const code = await requestCode();
    const [streamId, grantId] = code.device_code.split(".");
    const forged = await poll(`${streamId}.${grantId}.${"A".repeat(43)}`);
    expect(forged.status).to.equal(400);
    expect(forged.body.error).to.equal("invalid_grant");
    expect((await poll("not-a-device-code")).body.error).to.equal("invalid_grant");
    expect((await server.request("GET", "/v1/auth/device/code/BBBB-BBBB", { token: human.accessToken })).status).to.equal(404);
    expect((await server.request("GET", "/v1/auth/device/code/nonsense!", { token: human.accessToken })).status).to.equal(404);
    expect((await server.request("POST", "/v1/auth/device/approve", { body: { user_code: code.user_code } })).status).to.equal(401);
  });

  it("records every step as an audit event and never the codes", async () => {
    const code = await requestCode();
    await poll(code.device_code);
    await server.request("POST", "/v1/auth/device/approve", { token: human.accessToken, body: { user_code: code.user_code } });
    await poll(code.device_code);
    // The device flow's steps do not wait for the read models (src/humans/device-login.ts), so the audit log
    // shows them a moment after the answers: look until they are there, for at most 10 s.
    const wanted = ["auth.device_approve", "auth.device_complete"];
    let actions: string[] = [];
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 50))) {
      const audit = await server.request("GET", "/v1/audit/events?limit=1000", { token: human.accessToken });
      actions = (audit.body.events as { action: string }[]).map((e) => e.action);
      if (wanted.every((action) => actions.includes(action))) break;
    }
    expect(actions).to.include.members(wanted);
    const stored = JSON.stringify(await server.server.store.readAll(), (_key, value) => typeof value === "bigint" ? String(value) : value);
    const secret = code.device_code.split(".")[2];
    const bare = code.user_code.replace("-", "");
    expect(server.logs()).not.to.include(secret);
    expect(server.logs()).not.to.include(bare);
    expect(stored).not.to.include(secret);
  });
});
