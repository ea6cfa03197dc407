/**
 * IP addresses and CIDR blocks as numbers, so that matching is plain arithmetic and needs no I/O. IPv4
 * clients of a dual-stack listener arrive as IPv4-mapped IPv6 (`::ffff:10.1.2.3`); they are treated as the
 * IPv4 address they carry, so that an IPv4 rule matches them, and so do blocks written in that form.
 */
import { isIPv4, isIPv6 } from "node:net";
import { Invalid } from "../errors.js";

export type IpFamily = 4 | 6;

export interface IpAddress {
  family: IpFamily;
  value: bigint;
}

export interface CidrBlock {
  family: IpFamily;
  /** The network address (host bits zero). */
  network: bigint;
  prefixLength: number;
}

const BITS: Record<IpFamily, number> = { 4: 32, 6: 128 };
const IPV4_MAPPED_PREFIX = 0xffffn << 32n;
const IPV4_MAPPED_MASK = ~0xffffffffn & ((1n << 128n) - 1n);

function ipv4ToBigint(text: string): bigint {
  return text.split(".").reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function ipv6ToBigint(text: string): bigint {
  let groups = text;
  // A trailing dotted quad (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) stands for the last two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(groups);
  if (dotted) {
    const v4 = ipv4ToBigint(dotted[1]);
    groups = groups.slice(0, dotted.index) + `${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = groups.includes("::") ? groups.split("::") : [groups, undefined];
  const headParts = head ? head.split(":") : [];
  const tailParts = tail ? tail.split(":") : [];
  const zeros = tail === undefined ? [] : new Array(8 - headParts.length - tailParts.length).fill("0");
  return [...headParts, ...zeros, ...tailParts].reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

/** Parses an address; undefined when it is not one. A zone id (`fe80::1%eth0`) is ignored. */
export function parseIp(text: string): IpAddress | undefined {
  const address = text.replace(/%.*$/, "");
  if (isIPv4(address)) return { family: 4, value: ipv4ToBigint(address) };
  if (!isIPv6(address)) return undefined;
  const value = ipv6ToBigint(address);
  if ((value & IPV4_MAPPED_MASK) === IPV4_MAPPED_PREFIX) return { family: 4, value: value & 0xffffffffn };
  return { family: 6, value };
}

function mask(family: IpFamily, prefixLength: number): bigint {
  const bits = BITS[family];
  return ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefixLength)) - 1n);
}

export class InvalidCidr extends Invalid {
  constructor(reason: string) {
    super(reason);
    this.name = "InvalidCidr";
  }
}

/**
 * Parses `10.0.0.0/8`, `2001:db8::/32`, or a bare address (a block of one). Host bits must be zero: a rule
 * written `10.1.2.3/8` is more likely a typo than a wish for all of 10/8, so it is refused with the fix.
 */
export function parseCidr(text: string): CidrBlock {
  const slash = text.indexOf("/");
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const lengthText = slash < 0 ? undefined : text.slice(slash + 1);
  if (addressText.includes("%")) throw new InvalidCidr("cidr must not carry a zone id");
  const declaredFamily: IpFamily | undefined = isIPv4(addressText) ? 4 : isIPv6(addressText) ? 6 : undefined;
  if (!declaredFamily) throw new InvalidCidr("cidr must be an IPv4 or IPv6 address, optionally with /prefix-length");
  if (lengthText !== undefined && !/^\d{1,3}$/.test(lengthText)) throw new InvalidCidr("cidr prefix length must be a number");
  const declaredLength = lengthText === undefined ? BITS[declaredFamily] : Number(lengthText);
  if (declaredLength > BITS[declaredFamily]) {
    throw new InvalidCidr(`cidr prefix length must be at most ${BITS[declaredFamily]} for IPv${declaredFamily}`);
  }
  const address = parseIp(addressText)!;
  // An IPv4-mapped block (::ffff:10.0.0.0/104) is the IPv4 block it maps; shorter prefixes stay IPv6.
  const mappedToV4 = declaredFamily === 6 && address.family === 4 && declaredLength >= 96;
  const family: IpFamily = mappedToV4 ? 4 : declaredFamily;
  const prefixLength = mappedToV4 ? declaredLength - 96 : declaredLength;
  const value = declaredFamily === 6 && address.family === 4 && !mappedToV4 ? ipv6ToBigint(addressText) : address.value;
  const network = value & mask(family, prefixLength);
  if (network !== value) {
    throw new InvalidCidr(`cidr has host bits set; the block is ${formatCidr({ family, network, prefixLength })}`);
  }
  return { family, network, prefixLength };
}

export function formatCidr(block: CidrBlock): string {
  return `${formatIp({ family: block.family, value: block.network })}/${block.prefixLength}`;
}

export function formatIp(address: IpAddress): string {
  if (address.family === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((address.value >> shift) & 0xffn)).join(".");
  }
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) => Number((address.value >> shift) & 0xffffn));
  // RFC 5952: the longest run of two or more zero groups (the first on a tie) becomes "::".
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

export function cidrContains(block: CidrBlock, address: IpAddress): boolean {
  return block.family === address.family && (address.value & mask(block.family, block.prefixLength)) === block.network;
}

export interface AccessRule {
  ruleType: "allow" | "deny";
  cidr: CidrBlock;
}

/** No rules: allowed. A matching deny rule always wins. With any allow rule, the address must match one. */
export function rulesAllow(rules: readonly AccessRule[], address: IpAddress): boolean {
  if (rules.some((rule) => rule.ruleType === "deny" && cidrContains(rule.cidr, address))) return false;
  const allowRules = rules.filter((rule) => rule.ruleType === "allow");
  return allowRules.length === 0 || allowRules.some((rule) => cidrContains(rule.cidr, address));
}
