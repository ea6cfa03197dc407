/**
 * Derived ids name stored streams: these outputs were computed by the three derivations this module
 * replaced, and must never change, or the events already stored under them would no longer be found.
 */
import { expect } from "chai";
import { enrollmentId } from "../../src/agents/enrollment.js";
import { emailId } from "../../src/humans/streams.js";
import { nameBasedId, uuidFromName } from "../../src/ids/name-based-id.js";
import { secretIdFor } from "../../src/secrets/streams.js";
import { vaultNameId } from "../../src/vaults/streams.js";

const org = "0b6f1c1e-8a57-4c47-9a43-3f6f0f1b2c3d";

describe("name-based ids", () => {
  it("derive the ids of stored streams exactly as before", () => {
    expect(secretIdFor(org, "api-keys/stripe")).to.equal("48a8f67b-fde0-524c-8e83-a2bed74abc95");
    expect(vaultNameId(org, "Payments")).to.equal("6ffb7bb8-6253-5238-a3ce-f23356b3845e");
    expect(emailId(" Ada@Example.test ")).to.equal("b97222ea-69da-df79-2baa-97fa768ecb84");
    expect(enrollmentId("ada@example.test")).to.equal("9b0a1a44-85dd-8e7f-be3a-8a00161ed20a");
  });

  it("are UUIDs, differing by layout only in the version and variant bits", () => {
    const [v5, v8, raw] = (["v5", "v8", "raw"] as const).map((layout) => uuidFromName("x", layout));
    for (const id of [v5, v8, raw]) expect(id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(v5[14]).to.equal("5");
    expect(v8[14]).to.equal("8");
    expect(v5.slice(0, 14)).to.equal(raw.slice(0, 14));
    expect(nameBasedId("a", "b")).to.not.equal(nameBasedId("a,b"));
  });
});
