/**
 * The provider's API key for a call: the caller's `X-Shroud-Api-Key` (a literal key, or `vault://<vault id>/
 * <path>`), else `providers/<provider>/api-key` from a vault the agent can reach. Vault keys are read as the
 * agent, through the same `readSecret` as `GET .../secrets/{path}`: its policies decide, a refusal and the
 * read are audited like any other, and the value is returned only once its read is in the log.
 */
import { Unauthenticated, Invalid } from "../../commands/errors.js";
import { AccessDenied, visibleVaultIds } from "../access/authorize.js";
import type { Services } from "../app/services.js";
import type { AgentPrincipal } from "../auth/principal.js";
import { readSecret, type Caller } from "../secrets/service.js";
import { listVaultSecrets } from "../secrets/queries.js";

export class NoProviderKey extends Unauthenticated {
  constructor() {
    super("no API key: vault lookup failed and no X-Shroud-Api-Key header");
    this.name = "NoProviderKey";
  }
}

export class BadVaultReference extends Invalid {
  constructor() {
    super("X-Shroud-Api-Key vault reference must be vault://<vault_id>/<secret_path>");
    this.name = "BadVaultReference";
  }
}

const VAULT_REFERENCE = /^vault:\/\/([0-9a-f-]{36})\/(.+)$/i;

/** Where the vault keeps each provider's key (Google's also under its other name). */
function keyPaths(provider: string): string[] {
  return provider === "google" ? ["providers/google/api-key", "providers/gemini/api-key"] : [`providers/${provider}/api-key`];
}

export async function resolveProviderKey(
  services: Pick<Services, "db" | "lookups" | "bus" | "store" | "keys" | "clock" | "config">, caller: Caller & { principal: AgentPrincipal },
  provider: string, header: string | undefined,
): Promise<string> {
  if (header !== undefined && header !== "") {
    if (!header.startsWith("vault://")) return header;
    const match = VAULT_REFERENCE.exec(header);
    if (!match) throw new BadVaultReference();
    return (await readSecret(services, caller, match[1].toLowerCase(), decodeURIComponent(match[2]))).value;
  }
  const lookups = services.lookups ?? services.db;
  const visible = await visibleVaultIds(lookups, caller.principal);
  const vaults = visible === "all" ? [] : visible;
  // The agent's own vault order first (its vault_ids), then the others it reaches.
  vaults.sort((a, b) => rank(caller.principal.vaultIds, a) - rank(caller.principal.vaultIds, b));
  for (const path of keyPaths(provider)) {
    for (const vaultId of vaults) {
      const present = (await listVaultSecrets(lookups, vaultId, path)).some((secret) => secret.path === path);
      if (!present) continue;
      try {
        return (await readSecret(services, caller, vaultId, path)).value;
      } catch (error) {
        // Refused (and recorded as refused): another vault may hold a key this agent may read.
        if (!(error instanceof AccessDenied)) throw error;
      }
    }
  }
  throw new NoProviderKey();
}

function rank(order: readonly string[], id: string): number {
  const index = order.indexOf(id);
  return index < 0 ? order.length : index;
}
