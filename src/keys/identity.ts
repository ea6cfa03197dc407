/**
 * Which key provider a store belongs to. The first process to use a store records its key provider's
 * identity there (the kind, a description, and the public half of the audit signing key, which only that
 * provider holds); every later process checks that its provider holds that key, and refuses to start if
 * not. Without this, a server started without the HSM settings would use fresh software keys: reads would
 * fail, and it would sign the audit chain with a key nobody can verify.
 */
import type { Database } from "../db/database.js";
import { AUDIT_SIGNING_KEY_ID, auditSigningKey } from "../audit/signer.js";
import type { KeyProvider } from "./port.js";

export class KeyProviderMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyProviderMismatch";
  }
}

interface IdentityRow {
  kind: string;
  description: string;
  audit_key: string;
}

const SETTINGS = {
  pkcs11: "KEY_PROVIDER=pkcs11 with the PKCS11_MODULE, PKCS11_TOKEN_LABEL (or PKCS11_SLOT) and PKCS11_PIN of the token that holds them",
  local: "KEY_PROVIDER=local with the KEYLEDGER_DATA_DIR whose keys/ directory holds them",
} as const;

async function recorded(db: Database): Promise<IdentityRow | undefined> {
  await db.exec(`create table if not exists key_provider_identity (
    id boolean primary key default true check (id),
    kind text not null,
    description text not null,
    audit_key text not null,
    recorded_at timestamptz not null default now())`);
  const { rows } = await db.query<IdentityRow>("select kind, description, audit_key from key_provider_identity");
  return rows[0];
}

/**
 * Checks that `keys` holds the keys the store was used with. With `record` (the server), a store without an
 * identity gets this provider's; without it (CLI commands) nothing is written. Runs before anything could
 * create a key in the wrong provider.
 */
export async function checkKeyProviderIdentity(db: Database, keys: KeyProvider, options: { record: boolean }): Promise<void> {
  const identity = await recorded(db);
  if (!identity) {
    if (!options.record) return;
    const jwk = await auditSigningKey(keys);
    const { description } = await keys.health();
    await db.query(
      `insert into key_provider_identity (kind, description, audit_key) values ($1, $2, $3) on conflict (id) do nothing`,
      [keys.kind, description, jwk.x]);
    // Another process may have recorded a different provider at the same moment: check against the winner.
    return checkKeyProviderIdentity(db, keys, { record: false });
  }
  const held = await keys.signingPublicKey(AUDIT_SIGNING_KEY_ID);
  if (held?.x === identity.audit_key) return;
  const { description } = await keys.health().catch(() => ({ description: "unknown" }));
  const wanted = SETTINGS[identity.kind as keyof typeof SETTINGS] ?? `the ${identity.kind} key provider that holds them`;
  throw new KeyProviderMismatch(
    `this store's keys are held by a ${identity.kind} key provider (${identity.description}; audit signing key ` +
    `${identity.audit_key.slice(0, 12)}…), but the key provider this process opened (${keys.kind}: ${description}) ` +
    `${held ? "holds a different audit signing key" : "does not hold the audit signing key"}. Refusing to start: ` +
    `set ${wanted}.`);
}
