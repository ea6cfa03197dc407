/**
 * Amounts of a chain's native currency: requests and guardrails speak decimal ETH ("0.01"), the chain
 * speaks wei (10^-18 ETH). Exact integer arithmetic, no floating point.
 */
import { Invalid } from "../errors.js";

const DECIMALS = 18;
const WEI_PER_ETH = 10n ** BigInt(DECIMALS);

export class AmountInvalid extends Invalid {
  constructor(field: string, reason: string) {
    super(`${field}: ${reason}`);
    this.name = "AmountInvalid";
  }
}

/** "1.5" -> 1500000000000000000n; more than 18 decimals cannot be expressed in wei and is refused. */
export function ethToWei(text: string, field = "value"): bigint {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new AmountInvalid(field, "must be a non-negative decimal number of ETH");
  const fraction = match[2] ?? "";
  if (fraction.length > DECIMALS) throw new AmountInvalid(field, `has more than ${DECIMALS} decimals (smaller than 1 wei)`);
  return BigInt(match[1]) * WEI_PER_ETH + BigInt(fraction.padEnd(DECIMALS, "0") || "0");
}

/** 1500000000000000000n -> "1.5" (no trailing zeros). */
export function weiToEth(wei: bigint): string {
  const sign = wei < 0n ? "-" : "";
  const abs = wei < 0n ? -wei : wei;
  const whole = abs / WEI_PER_ETH;
  const fraction = (abs % WEI_PER_ETH).toString().padStart(DECIMALS, "0").replace(/0+$/, "");
  return `${sign}${whole}${fraction ? `.${fraction}` : ""}`;
}
