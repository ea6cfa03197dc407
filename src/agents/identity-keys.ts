/**
 * Every agent's identity keys: an Ed25519 SSH key pair and an X25519 ECDH key pair. The public halves go on
 * the agent record; the private halves (PKCS#8 DER) are stored as secrets in the organisation's
 * `__agent-keys` vault (created with the organisation's first agent), at `agents/<agent id>/ssh_private_key`
 * and `agents/<agent id>/ecdh_private_key`, like any secret: envelope-encrypted under the vault's KEK,
 * versioned on rotation, readable by whoever the vault's policies allow, and every read audited.
 */
import { generateKeyPairSync, randomUUID, type KeyObject } from "node:crypto";
import type { IdentityKeys } from "../../events/agent.js";
import type { Services } from "../app/services.js";
import type { EventMetadata } from "../eventstore/port.js";
import { putSystemSecret } from "../secrets/service.js";
import { ensureAgentKeysVault } from "../vaults/service.js";

export type IdentityKeyServices = Pick<Services, "db" | "bus" | "store" | "keys" | "clock" | "config">;

export const identityKeyPath = (agentId: string, kind: "ssh" | "ecdh") => `agents/${agentId}/${kind}_private_key`;

const rawPublicKey = (key: KeyObject) => Buffer.from(key.export({ format: "jwk" }).x!, "base64url");

/** RFC 4253 string: uint32 length, then the bytes. */
function sshString(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** The OpenSSH public key blob of an Ed25519 key (RFC 8709), base64. */
function sshPublicKeyBlob(publicKey: KeyObject): string {
  return Buffer.concat([sshString(Buffer.from("ssh-ed25519")), sshString(rawPublicKey(publicKey))]).toString("base64");
}

/**
 * Makes a new key set for an agent and stores its private halves in the `__agent-keys` vault, on behalf of
 * `actor` (the human creating or rotating the agent). Returns what the agent's event records: public keys
 * and where the private ones are.
 */
export async function generateIdentityKeys(
  services: IdentityKeyServices, orgId: string, agentId: string, actor: { type: "user"; id: string },
  metadata: EventMetadata,
): Promise<IdentityKeys> {
  const keysetId = randomUUID();
  const ssh = generateKeyPairSync("ed25519");
  const ecdh = generateKeyPairSync("x25519");
  const vault = await ensureAgentKeysVault(services, { ...actor, orgId }, metadata);
  const store = async (kind: "ssh" | "ecdh", privateKey: KeyObject) => {
    const der = privateKey.export({ format: "der", type: "pkcs8" });
    try {
      const path = identityKeyPath(agentId, kind);
      const written = await putSystemSecret(services, { principal: actor, metadata }, vault.id, path, {
        type: kind === "ssh" ? "ssh_key" : "private_key",
        value: der.toString("base64"),
        metadata: { agent_id: agentId, keyset_id: keysetId, encoding: "pkcs8-der-base64" },
        expiresAt: null, maxAccessCount: 0,
      });
      return { path, version: written.version };
    } finally {
      der.fill(0);
    }
  };
  return {
    keyset_id: keysetId,
    ssh_public_key: sshPublicKeyBlob(ssh.publicKey),
    ecdh_public_key: rawPublicKey(ecdh.publicKey).toString("base64"),
    private_keys: { vault_id: vault.id, ssh: await store("ssh", ssh.privateKey), ecdh: await store("ecdh", ecdh.privateKey) },
  };
}
