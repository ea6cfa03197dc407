/**
 * Every agent's identity keys: an Ed25519 SSH key pair and an X25519 ECDH key pair. The public halves go on
 * the agent record; the private halves (PKCS#8 DER) are sealed under the organisation's agent-keys KEK in
 * the key provider, bound to their organisation, agent, key set and kind, until the vault feature moves them
 * into the organisation's `__agent-keys` vault.
 */
import { generateKeyPairSync, randomUUID, type KeyObject } from "node:crypto";
import type { IdentityKeys } from "../../events/agent.js";
import { sealValue, type SecretBinding } from "../keys/envelope.js";
import { KeyAlreadyExists, type KeyProvider } from "../keys/port.js";

export type IdentityKeyKind = "ssh" | "ecdh";

export const agentKeysKekId = (orgId: string) => `org-${orgId}-agent-keys`;

/** Where a sealed identity private key belongs: its additional authenticated data. */
export function identityKeyBinding(orgId: string, agentId: string, keysetId: string, kind: IdentityKeyKind): SecretBinding {
  return { vaultId: `__agent-keys/${orgId}`, secretId: `agents/${agentId}/${keysetId}/${kind}`, version: 1 };
}

/** The organisation's agent-keys KEK, created on first use (a concurrent creator may win the race). */
async function ensureKek(keys: KeyProvider, kekId: string): Promise<void> {
  if (await keys.hasKek(kekId)) return;
  await keys.createKek(kekId).catch((error: unknown) => {
    if (!(error instanceof KeyAlreadyExists)) throw error;
  });
}

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

export async function generateIdentityKeys(keys: KeyProvider, orgId: string, agentId: string): Promise<IdentityKeys> {
  const kekId = agentKeysKekId(orgId);
  await ensureKek(keys, kekId);
  const keysetId = randomUUID();
  const ssh = generateKeyPairSync("ed25519");
  const ecdh = generateKeyPairSync("x25519");
  const seal = (kind: IdentityKeyKind, privateKey: KeyObject) => {
    const der = privateKey.export({ format: "der", type: "pkcs8" });
    return sealValue(keys, { kekId, ...identityKeyBinding(orgId, agentId, keysetId, kind) }, der)
      .finally(() => der.fill(0));
  };
  return {
    keyset_id: keysetId,
    ssh_public_key: sshPublicKeyBlob(ssh.publicKey),
    ecdh_public_key: rawPublicKey(ecdh.publicKey).toString("base64"),
    ssh_private_key: await seal("ssh", ssh.privateKey),
    ecdh_private_key: await seal("ecdh", ecdh.privateKey),
  };
}
