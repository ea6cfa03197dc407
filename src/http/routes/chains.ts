/** The chain registry of the Intents API (public, as in the reference). */
import type { z } from "zod";
import { ChainListResponse, ChainResponse } from "../../api/chains.js";
import { publicRpcUrl, type Chain, type ChainRegistry } from "../../chains/registry.js";
import { defineRoute, type Route } from "../route.js";

function toChainResponse(chain: Chain): z.input<typeof ChainResponse> {
  return {
    id: chain.id, name: chain.name, display_name: chain.displayName, chain_id: chain.chainId,
    ...(chain.rpcUrl && { rpc_url: publicRpcUrl(chain.rpcUrl) }),
    ...(chain.explorerUrl && { explorer_url: chain.explorerUrl }),
    native_currency: chain.nativeCurrency, is_testnet: chain.isTestnet, is_enabled: true,
  };
}

export function chainRoutes(registry: ChainRegistry): Route[] {
  const tags = ["Chains"];
  return [
    defineRoute({
      method: "GET", path: "/v1/chains", summary: "List enabled chains", operationId: "listChains", tags, auth: "none",
      responses: { 200: ChainListResponse },
    }).handle(() => ({ status: 200, body: { chains: registry.list().map(toChainResponse) } })),

    defineRoute({
      method: "GET", path: "/v1/chains/{identifier}", summary: "Get chain by name or ID", operationId: "getChain", tags,
      auth: "none", responses: { 200: ChainResponse },
    }).handle(({ params }) => ({ status: 200, body: toChainResponse(registry.find(params.identifier)) })),
  ];
}
