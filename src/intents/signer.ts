/**
 * Signing an EVM transaction with a key held as bytes: ethers builds and serialises the transaction, the
 * secp256k1 signature is computed on the key bytes directly (no hex string of the key is ever made), and
 * the caller zeroes those bytes afterwards.
 */
import { secp256k1 } from "@noble/curves/secp256k1";
import type { TransactionLike } from "ethers";
import { ethers } from "./ethers.js";

export interface UnsignedTransaction {
  chainId: number;
  nonce: number;
  to: string;
  valueWei: bigint;
  data: string | null;
  gasLimit: number;
  /** Legacy (type 0). */
  gasPrice?: bigint;
  /** EIP-1559 (type 2) when present. */
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
}

export interface SignedTransaction {
  signedTx: string;
  txHash: string;
  from: string;
  type: "legacy" | "eip1559";
}

export function addressOfKey(key: Uint8Array): string {
  return ethers().computeAddress(`0x${Buffer.from(secp256k1.getPublicKey(key, false)).toString("hex")}`);
}

export function signTransaction(key: Uint8Array, unsigned: UnsignedTransaction): SignedTransaction {
  const eip1559 = unsigned.maxFeePerGas !== undefined;
  const fields: TransactionLike = {
    type: eip1559 ? 2 : 0, chainId: unsigned.chainId, nonce: unsigned.nonce, to: unsigned.to, value: unsigned.valueWei,
    data: unsigned.data ?? "0x", gasLimit: unsigned.gasLimit,
    ...(eip1559
      ? { maxFeePerGas: unsigned.maxFeePerGas, maxPriorityFeePerGas: unsigned.maxPriorityFeePerGas ?? 0n }
      : { gasPrice: unsigned.gasPrice ?? 0n }),
  };
  const { Transaction, Signature, toBeHex } = ethers();
  const tx = Transaction.from(fields);
  const digest = Buffer.from(tx.unsignedHash.slice(2), "hex");
  const signature = secp256k1.sign(digest, key, { lowS: true });
  tx.signature = Signature.from({ r: toBeHex(signature.r, 32), s: toBeHex(signature.s, 32), v: 27 + signature.recovery });
  return { signedTx: tx.serialized, txHash: tx.hash!, from: tx.from!, type: eip1559 ? "eip1559" : "legacy" };
}
