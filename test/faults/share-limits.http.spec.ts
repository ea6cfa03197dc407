/**
 * Issue 9, point 3: reads through shares count toward the secret's own max_access_count and expiry, and a
 * used-up or expired secret cannot be shared.
 */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { createUser, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";

describe("shares and the secret's own limits (issue 9: 3)", function () {
  // Starting a server and signing a user up takes seconds, and much longer on a loaded machine.
  this.timeout(240_000);
  let server: TestServer;
  let owner: TestUser;
  let vaultId: string;

  before(async () => {
    server = await startTestServer("share-limits");
    owner = await createUser(server);
    const vault = await server.request("POST", "/v1/vaults", { token: owner.accessToken, body: { name: `v-${randomUUID()}` } });
    vaultId = vault.body.id;
  });
  after(() => server?.close());

  async function putSecret(body: Record<string, unknown>): Promise<{ id: string; path: string }> {
    const path = `limited/${randomUUID()}`;
    const put = await server.request("PUT", `/v1/vaults/${vaultId}/secrets/${path}`,
      { token: owner.accessToken, body: { value: `v-${randomUUID()}`, ...body } });
    expect(put.status, JSON.stringify(put.body)).to.equal(201);
    return { id: put.body.id, path };
  }

  const share = (secretId: string, maxAccessCount = 10) => server.request("POST", `/v1/secrets/${secretId}/share`, {
    token: owner.accessToken,
    body: { recipient_type: "anyone_with_link", max_access_count: maxAccessCount, expires_at: server.clock.isoIn(3_600_000) },
  });
  const readShare = (id: string) => server.request("GET", `/v1/share/${id}`);
  const readDirect = (path: string) => server.request("GET", `/v1/vaults/${vaultId}/secrets/${path}`, { token: owner.accessToken });

  it("refuses to share a secret whose reads are used up (410)", async () => {
    const secret = await putSecret({ max_access_count: 1 });
    expect((await readDirect(secret.path)).status).to.equal(200);
    expect((await readDirect(secret.path)).status).to.equal(410);
    const refused = await share(secret.id);
    expect(refused.status).to.equal(410);
    expect(refused.body).to.include({ status: 410 });
  });

  it("counts reads through a share created earlier toward the secret's limit, both ways", async () => {
    const secret = await putSecret({ max_access_count: 2 });
    const created = await share(secret.id, 5);
    expect(created.status).to.equal(201);
    expect((await readDirect(secret.path)).status).to.equal(200);
    expect((await readShare(created.body.id)).status).to.equal(200);
    // Two reads of two: neither the share nor the owner gets a third.
    expect((await readShare(created.body.id)).status).to.equal(410);
    expect((await readDirect(secret.path)).status).to.equal(410);
  });

  it("counts every share of the secret against the one limit", async () => {
    const secret = await putSecret({ max_access_count: 3 });
    const shares = [await share(secret.id), await share(secret.id)].map((r) => r.body.id as string);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) for (const id of shares) statuses.push((await readShare(id)).status);
    expect(statuses.filter((s) => s === 200)).to.have.length(3);
    expect(statuses.filter((s) => s === 410)).to.have.length(3);
  });

  it("gives exactly the secret's remaining reads to 100 parallel readers of its share", async () => {
    const secret = await putSecret({ max_access_count: 7 });
    const created = await share(secret.id, 50);
    const statuses = await Promise.all(Array.from({ length: 100 }, () => readShare(created.body.id).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).to.have.length(7);
    expect(statuses.every((s) => s === 200 || s === 410), String(statuses)).to.equal(true);
    // Accesses the share recorded while the secret ran out in between gave no value (fail closed).
    const outbound = await server.request("GET", "/v1/shares/outbound", { token: owner.accessToken });
    const listed = outbound.body.shares.find((s: { id: string }) => s.id === created.body.id);
    expect(listed.access_count).to.be.at.least(7);
  });

  it("ends a share with the secret's expiry, and refuses to share an expired secret", async () => {
    const secret = await putSecret({ expires_at: server.clock.isoIn(60_000) });
    const created = await share(secret.id);
    expect(created.status).to.equal(201);
    expect((await readShare(created.body.id)).status).to.equal(200);
    server.clock.advance(61_000);
    expect((await readShare(created.body.id)).status).to.equal(410);
    expect((await share(secret.id)).status).to.equal(410);
  });

  it("leaves unlimited secrets counted by their shares alone", async () => {
    const secret = await putSecret({});
    const created = await share(secret.id, 2);
    expect((await readShare(created.body.id)).status).to.equal(200);
    expect((await readShare(created.body.id)).status).to.equal(200);
    expect((await readShare(created.body.id)).status).to.equal(410);
    expect((await readDirect(secret.path)).status).to.equal(200);
  });
});
