/**
 * Which vault the secret tools work in: the one configured (ONECLAW_VAULT_ID / X-Vault-ID), else the
 * agent's single bound vault, else the vault named `default`, else the first vault the agent can read.
 */
import type { KeyledgerClient, OneclawResponse } from "../sdk/index.js";

export interface VaultChoice {
  vaultId: string;
  name?: string;
  reason: string;
}

export type VaultOutcome =
  | { ok: true; choice: VaultChoice }
  | { ok: false; failed: Pick<OneclawResponse<unknown>, "error" | "meta"> }
  | { ok: false; none: string };

/** Says which vault was chosen and why, for the operator's log and the agent's tool results. */
export function describeChoice(choice: VaultChoice): string {
  return `using vault ${choice.name ? `"${choice.name}" ` : ""}(${choice.vaultId}): ${choice.reason}`;
}

export async function discoverVault(client: KeyledgerClient, given?: string, givenBy = "configured"): Promise<VaultOutcome> {
  if (given) {
    const vault = await client.vaults.get(given);
    if (vault.error) return { ok: false, failed: vault };
    return { ok: true, choice: { vaultId: given, name: vault.data?.name, reason: givenBy } };
  }
  // The exchange tells the vaults the agent is bound to; make sure it happened.
  const self = await client.agents.getSelf();
  if (self.error) return { ok: false, failed: self };
  const bound = self.data?.vault_ids ?? client.vaultIds ?? [];
  const listed = await client.vaults.list();
  if (listed.error || !listed.data) return { ok: false, failed: listed };
  const vaults = listed.data.vaults.filter((vault) => !vault.system);
  if (bound.length === 1) {
    const name = vaults.find((vault) => vault.id === bound[0])?.name;
    return { ok: true, choice: { vaultId: bound[0], name, reason: "the agent's only bound vault" } };
  }
  const candidates = bound.length > 1 ? vaults.filter((vault) => bound.includes(vault.id)) : vaults;
  const named = candidates.find((vault) => vault.name === "default");
  if (named) return { ok: true, choice: { vaultId: named.id, name: named.name, reason: "the vault named default" } };
  for (const vault of candidates) {
    const readable = await client.secrets.list(vault.id);
    if (!readable.error) return { ok: true, choice: { vaultId: vault.id, name: vault.name, reason: "the first vault the agent can read" } };
  }
  return { ok: false, none: "no vault is available to this agent: ask your human to create one and grant you access, " +
    "or create one with create_vault" };
}

/**
 * The choice, made once and remembered; a failed attempt (server down, say) is tried again on next use.
 * `onChosen` hears about each choice once (the stdio server logs it).
 */
export function vaultResolver(client: KeyledgerClient, given: string | undefined, givenBy: string,
  onChosen: (choice: VaultChoice) => void = () => {}): () => Promise<VaultOutcome> {
  let pending: Promise<VaultOutcome> | undefined;
  return () => {
    pending ??= discoverVault(client, given, givenBy).then((outcome) => {
      if (outcome.ok) onChosen(outcome.choice);
      else pending = undefined;
      return outcome;
    });
    return pending;
  };
}
