/**
 * Sensitive filesystem paths: system credential files, users' key and cloud-credential directories,
 * private-key and environment files, Windows system directories, and the agent's own blocked paths.
 */
import type { Threat } from "./threat.js";

const RULES = [
  { name: "etc_passwd_shadow", pattern: /\/etc\/(?:passwd|shadow|sudoers)\b/ },
  { name: "ssh_directory", pattern: /(?:~|\$HOME|\/home\/[^/\s]+|\/root)\/\.ssh\b/ },
  { name: "cloud_credentials", pattern: /(?:~|\$HOME|\/home\/[^/\s]+|\/root)\/\.(?:aws|gcloud|azure|kube|docker)\b/ },
  { name: "key_or_env_file", pattern: /(?:^|[\s/"'])[\w.-]*\.(?:pem|key|env|credentials|p12|pfx)\b/ },
  { name: "windows_system", pattern: /[A-Za-z]:\\Windows\\System32/i },
  { name: "proc_environ", pattern: /\/proc\/(?:self|\d+)\/environ\b/ },
] as const;

export function detectFilesystemThreats(text: string, blockedPaths: readonly string[], location: Threat["location"]): Threat[] {
  const threats: Threat[] = RULES.filter((rule) => rule.pattern.test(text))
    .map((rule) => ({ threat_type: "filesystem", pattern: rule.name, location, severity: "high" }));
  if (blockedPaths.some((path) => path !== "" && text.includes(path))) {
    threats.push({ threat_type: "filesystem", pattern: "blocked_path", location, severity: "high" });
  }
  return threats;
}
