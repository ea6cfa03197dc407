/**
 * ethers, loaded on first use: it is the largest library the server imports (a fifth of a cold start's
 * module loading), and only transaction signing and simulation need it. Loaded synchronously through
 * require (its CommonJS build), so its callers stay synchronous.
 */
import { createRequire } from "node:module";
import type * as EthersLibrary from "ethers";

type Ethers = typeof EthersLibrary;

const require = createRequire(import.meta.url);
let loaded: Ethers | undefined;

export function ethers(): Ethers {
  return (loaded ??= require("ethers") as Ethers);
}
