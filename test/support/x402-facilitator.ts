/**
 * An x402 facilitator for offline tests: a stand-in for Coinbase's (a third party we cannot run here) that
 * speaks its protocol: `POST /verify` and `POST /settle` with `{x402Version, paymentPayload,
 * paymentRequirements}`. It checks the "exact" EVM scheme for real: the EIP-712 signature of the EIP-3009
 * `TransferWithAuthorization` must recover to `from`, pay the required amount to `payTo` within its validity
 * window, and use a nonce never settled before (replays are refused). Settling "moves" nothing on a chain;
 * it records the nonce and answers a transaction hash derived from it.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { keccak256, toUtf8Bytes, verifyTypedData, type BaseWallet } from "ethers";

export const TRANSFER_WITH_AUTHORIZATION = {
  TransferWithAuthorization: [
    { name: "from", type: "address" }, { name: "to", type: "address" }, { name: "value", type: "uint256" },
    { name: "validAfter", type: "uint256" }, { name: "validBefore", type: "uint256" }, { name: "nonce", type: "bytes32" },
  ],
};

interface Requirements {
  scheme: string;
  network: string;
  maxAmountRequired: string;
  payTo: string;
  asset: string;
  extra?: { name?: string; version?: string };
}

interface Authorization {
  from: string;
  to: string;
  value: string;
  validAfter: string;
  validBefore: string;
  nonce: string;
}

const chainIdOf = (network: string) => Number(/^eip155:(\d+)$/.exec(network)?.[1] ?? (network === "base" ? 8453 : NaN));

export function domainOf(requirements: Requirements) {
  return { name: requirements.extra?.name ?? "USD Coin", version: requirements.extra?.version ?? "2",
    chainId: chainIdOf(requirements.network), verifyingContract: requirements.asset };
}

/** Signs a payment for the requirements as an x402 client does; answers the payload (before encoding). */
export async function signPayment(wallet: BaseWallet, requirements: Requirements, options: { nonce?: string; value?: string } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const authorization: Authorization = {
    from: wallet.address, to: requirements.payTo, value: options.value ?? requirements.maxAmountRequired,
    validAfter: String(now - 60), validBefore: String(now + 300),
    nonce: options.nonce ?? keccak256(toUtf8Bytes(`nonce-${Math.random()}-${Date.now()}`)),
  };
  const signature = await wallet.signTypedData(domainOf(requirements), TRANSFER_WITH_AUTHORIZATION, authorization);
  return { x402Version: 1, scheme: "exact", network: requirements.network, payload: { signature, authorization } };
}

export interface TestFacilitator {
  url: string;
  /** Nonces settled so far. */
  settled: Set<string>;
  close(): Promise<void>;
}

function check(body: { paymentPayload?: any; paymentRequirements?: Requirements }, settled: Set<string>):
  { isValid: boolean; invalidReason?: string; payer?: string; nonce?: string } {
  const payment = body.paymentPayload;
  const requirements = body.paymentRequirements;
  if (!payment || !requirements) return { isValid: false, invalidReason: "invalid_payload" };
  if (payment.scheme !== "exact" || requirements.scheme !== "exact") return { isValid: false, invalidReason: "unsupported_scheme" };
  if (payment.network !== requirements.network) return { isValid: false, invalidReason: "invalid_network" };
  const { signature, authorization } = (payment.payload ?? {}) as { signature?: string; authorization?: Authorization };
  if (typeof signature !== "string" || !authorization) return { isValid: false, invalidReason: "invalid_payload" };
  let signer: string;
  try {
    signer = verifyTypedData(domainOf(requirements), TRANSFER_WITH_AUTHORIZATION, authorization, signature);
  } catch {
    return { isValid: false, invalidReason: "invalid_exact_evm_payload_signature" };
  }
  const payer = authorization.from;
  if (signer.toLowerCase() !== payer.toLowerCase()) return { isValid: false, invalidReason: "invalid_exact_evm_payload_signature", payer };
  if (authorization.to.toLowerCase() !== requirements.payTo.toLowerCase()) {
    return { isValid: false, invalidReason: "invalid_exact_evm_payload_recipient_mismatch", payer };
  }
  if (BigInt(authorization.value) < BigInt(requirements.maxAmountRequired)) {
    return { isValid: false, invalidReason: "invalid_exact_evm_payload_authorization_value", payer };
  }
  const now = BigInt(Math.floor(Date.now() / 1000));
  if (BigInt(authorization.validAfter) > now || BigInt(authorization.validBefore) <= now) {
    return { isValid: false, invalidReason: "invalid_exact_evm_payload_authorization_valid_before", payer };
  }
  if (settled.has(authorization.nonce.toLowerCase())) return { isValid: false, invalidReason: "nonce_already_used", payer };
  return { isValid: true, payer, nonce: authorization.nonce.toLowerCase() };
}

export async function startTestFacilitator(): Promise<TestFacilitator> {
  const settled = new Set<string>();
  const server = http.createServer((req, res) => {
    let text = "";
    req.on("data", (chunk) => (text += chunk));
    req.on("end", () => {
      let body: any = {};
      try { body = JSON.parse(text); } catch { /* answered as an invalid payload */ }
      const verdict = check(body, settled);
      let answer: unknown;
      if (req.url === "/verify") {
        answer = { isValid: verdict.isValid, invalidReason: verdict.invalidReason, payer: verdict.payer };
      } else if (req.url === "/settle") {
        if (verdict.isValid) settled.add(verdict.nonce!);
        answer = verdict.isValid
          ? { success: true, transaction: keccak256(toUtf8Bytes(verdict.nonce!)), network: body.paymentRequirements.network, payer: verdict.payer }
          : { success: false, errorReason: verdict.invalidReason, transaction: "", network: body.paymentRequirements?.network ?? "" };
      } else {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, settled, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
