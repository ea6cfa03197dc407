/**
 * Network exfiltration: URLs to paste sites, tunnels and request catchers (subdomains included), URLs whose
 * host is an IP literal, unusual ports, and `curl -d "$(cat ...)"`-style uploads. With allowed domains set,
 * every other domain is a finding (allowlist mode).
 */
import type { Threat } from "./threat.js";

export const DEFAULT_BLOCKED_DOMAINS = [
  "pastebin.com", "paste.ee", "hastebin.com", "ghostbin.com", "ngrok.io", "ngrok-free.app", "ngrok.app",
  "webhook.site", "requestbin.com", "pipedream.net", "transfer.sh", "interact.sh", "burpcollaborator.net",
] as const;

export interface NetworkOptions {
  blockedDomains: readonly string[];
  allowedDomains: readonly string[];
}

const URL_PATTERN = /\b(?:https?|ftp|wss?):\/\/[^\s"'<>()`]+/gi;
const STANDARD_PORTS = new Set(["", "80", "443", "8080", "8443"]);

const underDomain = (host: string, domain: string) => host === domain || host.endsWith(`.${domain.replace(/^\./, "")}`);

export interface NetworkFindings {
  threats: Threat[];
  /** How many distinct URLs were flagged. */
  flaggedUrls: number;
}

export function detectNetworkThreats(text: string, options: NetworkOptions, location: Threat["location"]): NetworkFindings {
  const threats: Threat[] = [];
  let flaggedUrls = 0;
  const blocked = options.blockedDomains.map((d) => d.toLowerCase());
  const allowed = options.allowedDomains.map((d) => d.toLowerCase());
  for (const [raw] of new Set([...text.matchAll(URL_PATTERN)].map((m) => [m[0]] as const))) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      continue;
    }
    const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "");
    const found: Threat[] = [];
    if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(host) || host.includes(":")) found.push({ threat_type: "network", pattern: "ip_literal_url", location, severity: "high" });
    else if (allowed.length > 0 && !allowed.some((domain) => underDomain(host, domain))) found.push({ threat_type: "network", pattern: "domain_not_allowed", location, severity: "medium" });
    else if (blocked.some((domain) => underDomain(host, domain))) found.push({ threat_type: "network", pattern: "blocked_domain", location, severity: "high" });
    if (!STANDARD_PORTS.has(url.port)) found.push({ threat_type: "network", pattern: "non_standard_port", location, severity: "low" });
    if (found.length > 0) flaggedUrls++;
    threats.push(...found);
  }
  if (/\b(?:curl|wget)\b[^\n]{0,80}(?:-d|--data(?:-binary)?|--post-data|-F)\s*["']?@?\$\((?:cat|base64|env|printenv)\b/i.test(text)) {
    threats.push({ threat_type: "network", pattern: "data_exfiltration", location, severity: "critical" });
  }
  // One finding per kind is enough to decide; repeated URLs of one kind need not fill the header.
  const unique = new Map(threats.map((t) => [t.pattern, t]));
  return { threats: [...unique.values()], flaggedUrls };
}
