import { expect } from "chai";
import { readdirSync } from "node:fs";
import { AUDIT_MAPPINGS, auditEntryOf } from "../../events/audit-entry.js";
import { canonicalJson, chainHash, GENESIS_HASH } from "../../events/audit-chain.js";
import type { RecordedEvent } from "../../src/eventstore/port.js";

/** Every event type the catalogue in events/ defines. */
async function catalogueTypes(): Promise<string[]> {
  const directory = new URL("../../events/", import.meta.url);
  const types = new Set<string>();
  for (const file of readdirSync(directory).filter((f) => f.endsWith(".ts") && f !== "define.ts")) {
    const module = (await import(new URL(file, directory).href)) as Record<string, unknown>;
    for (const value of Object.values(module)) {
      if (value && typeof value === "object" && "type" in value && "schema" in value && typeof value.type === "string") {
        types.add(value.type);
      }
    }
  }
  return [...types].sort();
}

function recorded(type: string, data: Record<string, unknown>, overrides: Partial<RecordedEvent> = {}): RecordedEvent {
  return {
    id: "6f1c7a52-56f3-4c43-9d6e-0f0e4d2b8a11", stream: "secret-0b8f2a64-1d3e-4b7e-9a51-6d7c2e9f4a10", revision: 0n,
    position: { commit: 1n, prepare: 1n }, type, data, metadata: {}, recordedAt: new Date(), ...overrides,
  };
}

const sealed = { alg: "A256GCM+DEK-wrapped/v1", kekId: "kek-1", wrappedKey: "d3JhcHBlZA==", iv: "aXY=", ciphertext: "Y2lwaGVy", tag: "dGFn" };

describe("audit entries of events", () => {
  it("maps every event type of the catalogue to an action", async () => {
    const unmapped = (await catalogueTypes()).filter((type) => !(type in AUDIT_MAPPINGS));
    expect(unmapped).to.deep.equal([]);
  });

  it("never lists a credential, hash of one or sealed value among the details", () => {
    const sensitive = ["password_hash", "key_hash", "token_hash", "api_key", "identity", "sealed", "sealed_secret",
      "recovery_code_hashes", "totp_step", "google_subject", "metadata", "signature"];
    for (const [type, mapping] of Object.entries(AUDIT_MAPPINGS)) {
      expect(mapping.details.filter((name) => sensitive.includes(name)), type).to.deep.equal([]);
    }
  });

  it("shows a secret write with its path and version, not its sealed value or metadata", () => {
    const entry = auditEntryOf(recorded("SecretVersionAdded", {
      vault_id: "0b8f2a64-1d3e-4b7e-9a51-6d7c2e9f4a10", org_id: "1b8f2a64-1d3e-4b7e-9a51-6d7c2e9f4a10",
      secret_id: "2b8f2a64-1d3e-4b7e-9a51-6d7c2e9f4a10", path: "api-keys/stripe", version: 3, type: "api_key", sealed,
      size: 12, metadata: { note: "hello" }, expires_at: null, max_access_count: 0, reason: "put",
    }));
    expect(entry).to.deep.include({ action: "secret.write", resourceType: "secret", resourceId: "2b8f2a64-1d3e-4b7e-9a51-6d7c2e9f4a10" });
    expect(entry.details).to.deep.equal({ vault_id: "0b8f2a64-1d3e-4b7e-9a51-6d7c2e9f4a10", path: "api-keys/stripe",
      version: 3, type: "api_key", expires_at: null, max_access_count: 0, reason: "put" });
  });

  it("calls a rotation a rotation", () => {
    expect(auditEntryOf(recorded("SecretVersionAdded", { secret_id: "x", reason: "rotate" })).action).to.equal("secret.rotate");
  });

  it("names a denial's resource and what was attempted", () => {
    const entry = auditEntryOf(recorded("AccessDenied", { resource_type: "secret", resource_id: "s-1", action: "secret.read",
      reason: "no matching policy", path: "a/b", org_id: "o", actor: { type: "agent", id: "a" } }));
    expect(entry).to.deep.equal({ action: "access.denied", resourceType: "secret", resourceId: "s-1",
      details: { action: "secret.read", path: "a/b", reason: "no matching policy" } });
  });

  it("still audits an event type nobody mapped, with no details", () => {
    expect(auditEntryOf(recorded("SomethingNew", { secret: "x" }, { stream: "gadget-7f1c7a52-56f3-4c43-9d6e-0f0e4d2b8a11" })))
      .to.deep.equal({ action: "event.SomethingNew", resourceType: "gadget", resourceId: "7f1c7a52-56f3-4c43-9d6e-0f0e4d2b8a11", details: {} });
  });
});

describe("audit hash chain", () => {
  it("hashes the same event the same whatever the key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).to.equal('{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
    const one = recorded("LoginSucceeded", { method: "password", challenge_id: "c" });
    const two = recorded("LoginSucceeded", { challenge_id: "c", method: "password" });
    expect(chainHash(GENESIS_HASH, one)).to.equal(chainHash(GENESIS_HASH, two));
  });

  it("keeps the hashes of stored chains: a fixed event hashes as it always did", () => {
    const data = { "é": "ü\n\"q\"", b: [1, null, undefined, { z: true, a: -0.5 }], a: undefined, 10: 1, 9: 2, Z: "x", nested: { y: [], x: {} } };
    expect(canonicalJson(data)).to.equal('{"10":1,"9":2,"Z":"x","b":[1,null,null,{"a":-0.5,"z":true}],"nested":{"x":{},"y":[]},"é":"ü\\n\\"q\\""}');
    const event = { ...recorded("SecretValueRead", data), id: "7d3f2a4e-0c1b-4a8e-9f6d-2b5c8e1a3f70", stream: "secret-reads-1",
      revision: 41n, metadata: { request_id: "r", client_ip: "10.0.0.1" } };
    expect(chainHash(GENESIS_HASH, event)).to.equal("766ca6640fe5659bd48f48e50588797fea8a3aa6a0e434a5ac75ccbd8f42b8bc");
    expect(chainHash("a".repeat(64), event)).to.equal("f5ac0dcf7a5f8616eceece084c68d737ea0c28dbf175fba5d361d0d77ac697dc");
  });

  it("changes with the data, the metadata, the revision and the previous hash", () => {
    const base = recorded("LoginSucceeded", { method: "password" });
    const hash = chainHash(GENESIS_HASH, base);
    expect(hash).to.match(/^[0-9a-f]{64}$/);
    expect(chainHash(GENESIS_HASH, { ...base, data: { method: "mfa" } })).to.not.equal(hash);
    expect(chainHash(GENESIS_HASH, { ...base, metadata: { client_ip: "10.0.0.1" } })).to.not.equal(hash);
    expect(chainHash(GENESIS_HASH, { ...base, revision: 1n })).to.not.equal(hash);
    expect(chainHash(hash, base)).to.not.equal(hash);
  });
});
