/**
 * The chains the Intents API knows: the 1claw default registry, chains added by a JSON file, and a local
 * development chain, each with the RPC URL the configuration gives it (or none: such a chain can sign but
 * not simulate or broadcast). Looked up by name or numeric chain id, as requests name them.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { NotFound } from "../../commands/errors.js";
import type { Config } from "../config.js";
import { nameBasedId } from "../ids/name-based-id.js";

export interface Chain {
  id: string;
  name: string;
  displayName: string;
  chainId: number;
  /** Never shown whole: it may carry a provider's API key. */
  rpcUrl?: string;
  explorerUrl?: string;
  nativeCurrency: string;
  isTestnet: boolean;
}

export class ChainNotFound extends NotFound {
  constructor(identifier: string) {
    super(`chain ${identifier} is not supported (GET /v1/chains lists the supported chains)`);
    this.name = "ChainNotFound";
  }
}

type ChainEntry = Omit<Chain, "id">;

const DEFAULT_CHAINS: readonly ChainEntry[] = [
  { name: "ethereum", displayName: "Ethereum", chainId: 1, explorerUrl: "https://etherscan.io", nativeCurrency: "ETH", isTestnet: false },
  { name: "base", displayName: "Base", chainId: 8453, explorerUrl: "https://basescan.org", nativeCurrency: "ETH", isTestnet: false },
  { name: "optimism", displayName: "OP Mainnet", chainId: 10, explorerUrl: "https://optimistic.etherscan.io", nativeCurrency: "ETH", isTestnet: false },
  { name: "arbitrum-one", displayName: "Arbitrum One", chainId: 42161, explorerUrl: "https://arbiscan.io", nativeCurrency: "ETH", isTestnet: false },
  { name: "polygon", displayName: "Polygon", chainId: 137, explorerUrl: "https://polygonscan.com", nativeCurrency: "POL", isTestnet: false },
  { name: "sepolia", displayName: "Sepolia", chainId: 11155111, explorerUrl: "https://sepolia.etherscan.io", nativeCurrency: "ETH", isTestnet: true },
  { name: "base-sepolia", displayName: "Base Sepolia", chainId: 84532, explorerUrl: "https://sepolia.basescan.org", nativeCurrency: "ETH", isTestnet: true },
];

const ChainsFile = z.array(z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "must be a lower-case name (letters, digits, -)"),
  chain_id: z.number().int().positive(),
  display_name: z.string().optional(),
  rpc_url: z.url({ protocol: /^https?$/ }).optional(),
  explorer_url: z.url().optional(),
  native_currency: z.string().default("ETH"),
  is_testnet: z.boolean().default(false),
}));

export class ChainsConfigInvalid extends Error {
  constructor(reason: string) {
    super(`KEYLEDGER_CHAINS_FILE: ${reason}`);
    this.name = "ChainsConfigInvalid";
  }
}

export class ChainRegistry {
  private readonly byName = new Map<string, Chain>();
  private readonly byChainId = new Map<number, Chain>();

  constructor(entries: readonly ChainEntry[]) {
    for (const entry of entries) {
      const chain = { ...entry, id: nameBasedId("chain", entry.name) };
      // A later entry with the same name or chain id replaces the earlier one (files override defaults).
      const previous = this.byName.get(chain.name) ?? this.byChainId.get(chain.chainId);
      if (previous) { this.byName.delete(previous.name); this.byChainId.delete(previous.chainId); }
      this.byName.set(chain.name, chain);
      this.byChainId.set(chain.chainId, chain);
    }
  }

  list(): Chain[] {
    return [...this.byName.values()].sort((a, b) => a.chainId - b.chainId);
  }

  /** By name (case-insensitive) or numeric chain id. */
  find(identifier: string): Chain {
    const chain = /^\d+$/.test(identifier) ? this.byChainId.get(Number(identifier)) : this.byName.get(identifier.toLowerCase());
    if (!chain) throw new ChainNotFound(identifier);
    return chain;
  }
}

/** The registry the configuration describes. Throws ChainsConfigInvalid for a file it cannot use (at start-up). */
export function chainRegistryFrom(config: Config["chains"]): ChainRegistry {
  const entries: ChainEntry[] = [...DEFAULT_CHAINS];
  if (config.file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(config.file, "utf8"));
    } catch (error) {
      throw new ChainsConfigInvalid(`cannot read it as JSON (${error instanceof Error ? error.name : "error"})`);
    }
    const result = ChainsFile.safeParse(parsed);
    if (!result.success) {
      throw new ChainsConfigInvalid(result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
    }
    for (const c of result.data) {
      entries.push({ name: c.name, displayName: c.display_name ?? c.name, chainId: c.chain_id, rpcUrl: c.rpc_url,
        explorerUrl: c.explorer_url, nativeCurrency: c.native_currency, isTestnet: c.is_testnet });
    }
  }
  if (config.devRpcUrl) {
    entries.push({ name: "localhost", displayName: "Local development chain", chainId: config.devChainId,
      rpcUrl: config.devRpcUrl, nativeCurrency: "ETH", isTestnet: true });
  }
  const withRpc = entries.map((entry) => {
    const url = config.rpcUrls[entry.name] ?? config.rpcUrls[String(entry.chainId)];
    return url ? { ...entry, rpcUrl: url } : entry;
  });
  return new ChainRegistry(withRpc);
}

/** What the API may show of an RPC URL: scheme, host and port; a path or credentials may hold an API key. */
export function publicRpcUrl(rpcUrl: string | undefined): string | undefined {
  if (!rpcUrl) return undefined;
  const url = new URL(rpcUrl);
  return `${url.protocol}//${url.host}`;
}
