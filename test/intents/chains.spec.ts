/** The chain registry as the configuration makes it: defaults, a chains file, RPC URLs, the local chain. */
import { expect } from "chai";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chainRegistryFrom, ChainNotFound, ChainsConfigInvalid, publicRpcUrl } from "../../src/chains/registry.js";

const none = { rpcUrls: {}, devChainId: 31337, rpcDeadlineMs: 1000 };

describe("chain registry", () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(path.join(tmpdir(), "keyledger-chains-")); });
  after(async () => rm(dir, { recursive: true, force: true }));

  it("has the seeds' defaults, without RPC URLs, found by name or chain id", () => {
    const registry = chainRegistryFrom(none);
    expect(registry.list().map((c) => [c.name, c.chainId, c.isTestnet])).to.deep.equal([
      ["optimism", 10, false], ["polygon", 137, false], ["base", 8453, false], ["arbitrum-one", 42161, false],
      ["base-sepolia", 84532, true], ["sepolia", 11155111, true], ["ethereum", 1, false],
    ].sort((a, b) => (a[1] as number) - (b[1] as number)));
    expect(registry.find("ARBITRUM-ONE").chainId).to.equal(42161);
    expect(registry.find("137").name).to.equal("polygon");
    expect(registry.list().every((c) => c.rpcUrl === undefined)).to.equal(true);
    expect(() => registry.find("localhost")).to.throw(ChainNotFound);
  });

  it("takes RPC URLs by name or id, adds or replaces chains from a file, and registers the local chain", async () => {
    const file = path.join(dir, "chains.json");
    await writeFile(file, JSON.stringify([
      { name: "mychain", chain_id: 777, rpc_url: "https://rpc.mychain.example/v1/key" },
      { name: "base", chain_id: 8453, display_name: "Base (own node)", rpc_url: "http://10.0.0.5:8545" },
    ]));
    const registry = chainRegistryFrom({ ...none, file, rpcUrls: { "11155111": "https://sepolia.example/key" },
      devRpcUrl: "http://127.0.0.1:8545" });
    expect(registry.find("mychain")).to.deep.include({ chainId: 777, rpcUrl: "https://rpc.mychain.example/v1/key", nativeCurrency: "ETH" });
    expect(registry.find("8453")).to.deep.include({ displayName: "Base (own node)", rpcUrl: "http://10.0.0.5:8545" });
    expect(registry.find("sepolia").rpcUrl).to.equal("https://sepolia.example/key");
    expect(registry.find("localhost")).to.deep.include({ chainId: 31337, rpcUrl: "http://127.0.0.1:8545", isTestnet: true });
    expect(registry.list().filter((c) => c.name === "base")).to.have.length(1);
  });

  it("refuses a chains file it cannot use, naming the problem", async () => {
    const bad = path.join(dir, "bad.json");
    await writeFile(bad, JSON.stringify([{ name: "Has Spaces", chain_id: -1 }]));
    expect(() => chainRegistryFrom({ ...none, file: bad })).to.throw(ChainsConfigInvalid, /name/);
    expect(() => chainRegistryFrom({ ...none, file: path.join(dir, "missing.json") })).to.throw(ChainsConfigInvalid);
  });

  it("shows an RPC URL without its path or credentials", () => {
    expect(publicRpcUrl("https://user:pw@eth-mainnet.example.com/v2/secret-key")).to.equal("https://eth-mainnet.example.com");
    expect(publicRpcUrl(undefined)).to.equal(undefined);
  });
});
