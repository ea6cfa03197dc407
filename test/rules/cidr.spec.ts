import { expect } from "chai";
import {
  InvalidCidr, cidrContains, formatCidr, parseCidr, parseIp, rulesAllow, type AccessRule,
} from "../../commands/rules/cidr.js";

const ip = (text: string) => {
  const address = parseIp(text);
  if (!address) throw new Error(`test address ${text} does not parse`);
  return address;
};
const rule = (ruleType: "allow" | "deny", cidr: string): AccessRule => ({ ruleType, cidr: parseCidr(cidr) });

describe("CIDR blocks", () => {
  it("canonicalises IPv4, IPv6, bare addresses and IPv4-mapped blocks", () => {
    expect(formatCidr(parseCidr("10.0.0.0/8"))).to.equal("10.0.0.0/8");
    expect(formatCidr(parseCidr("203.0.113.7"))).to.equal("203.0.113.7/32");
    expect(formatCidr(parseCidr("2001:DB8:0:0::/32"))).to.equal("2001:db8::/32");
    expect(formatCidr(parseCidr("::1"))).to.equal("::1/128");
    expect(formatCidr(parseCidr("::ffff:192.168.0.0/112"))).to.equal("192.168.0.0/16");
    expect(formatCidr(parseCidr("2001:db8:0:1:0:0:0:0/64"))).to.equal("2001:db8:0:1::/64");
    expect(formatCidr(parseCidr("0.0.0.0/0"))).to.equal("0.0.0.0/0");
  });

  it("refuses what is not a block, naming the fix when host bits are set", () => {
    for (const text of ["", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0/8", "example.com", "10.0.0.0/8/8",
      "fe80::1%eth0/64", "10.0.0.0/-1", "1.2.3.4/ 8"]) {
      expect(() => parseCidr(text), text).to.throw(InvalidCidr);
    }
    expect(() => parseCidr("10.1.2.3/8")).to.throw(InvalidCidr, "10.0.0.0/8");
  });

  it("matches addresses inside the block only, IPv4 clients of a dual-stack socket included", () => {
    const block = parseCidr("192.168.0.0/16");
    expect(cidrContains(block, ip("192.168.255.1"))).to.equal(true);
    expect(cidrContains(block, ip("::ffff:192.168.3.4"))).to.equal(true);
    expect(cidrContains(block, ip("192.169.0.1"))).to.equal(false);
    expect(cidrContains(parseCidr("2001:db8::/32"), ip("2001:db8:ffff::1"))).to.equal(true);
    expect(cidrContains(parseCidr("2001:db8::/32"), ip("2001:db9::1"))).to.equal(false);
    // An IPv6 block, even ::/0, does not cover IPv4 clients.
    expect(cidrContains(parseCidr("::/0"), ip("::ffff:10.0.0.1"))).to.equal(false);
  });

  it("allows everyone without rules, lets deny win, and requires an allow match once any exists", () => {
    expect(rulesAllow([], ip("198.51.100.1"))).to.equal(true);
    expect(rulesAllow([rule("deny", "198.51.100.0/24")], ip("198.51.100.1"))).to.equal(false);
    expect(rulesAllow([rule("deny", "198.51.100.0/24")], ip("198.51.101.1"))).to.equal(true);
    const office = [rule("allow", "10.0.0.0/8"), rule("deny", "10.6.6.0/24")];
    expect(rulesAllow(office, ip("10.1.1.1"))).to.equal(true);
    expect(rulesAllow(office, ip("10.6.6.6"))).to.equal(false);
    expect(rulesAllow(office, ip("11.0.0.1"))).to.equal(false);
    expect(rulesAllow(office, ip("::ffff:10.1.1.1"))).to.equal(true);
    expect(rulesAllow(office, ip("2001:db8::1"))).to.equal(false);
  });

  it("reads addresses with zone ids and refuses non-addresses", () => {
    expect(parseIp("fe80::1%eth0")).to.deep.equal(parseIp("fe80::1"));
    expect(parseIp("not-an-ip")).to.equal(undefined);
    expect(parseIp("256.1.1.1")).to.equal(undefined);
  });
});
