/**
 * Shell command injection in model traffic: destructive commands, download-and-run, reverse shells, command
 * substitution, environment hijacking and path traversal. "strict" adds bare shell metacharacter chains,
 * which prose about shells also contains (hence not on by default); "custom" adds the agent's own patterns.
 */
import { nestsQuantifiers } from "../../../events/shroud-config.js";
import { escapeRegExp } from "./regex.js";
import { matchRules, type Threat } from "./threat.js";

const DEFAULT_RULES = [
  { name: "rm_rf", pattern: /\brm\s+-(?:[a-z]*r[a-z]*f|[a-z]*f[a-z]*r)[a-z]*\s+(?:\/|~|\*|\$HOME)/i, severity: "critical" },
  { name: "curl_pipe_shell", pattern: /\b(?:curl|wget)\b[^\n|]{0,200}\|\s*(?:sudo\s+)?(?:ba|z|da)?sh\b/i, severity: "critical" },
  { name: "netcat_exec", pattern: /\bnc(?:at)?\b[^\n]{0,60}\s-[a-z]*e\s/i, severity: "critical" },
  { name: "reverse_shell", pattern: /\bbash\s+-i\s*>&\s*\/dev\/tcp\/|\/dev\/tcp\/\d{1,3}(?:\.\d{1,3}){3}\/\d+/i, severity: "critical" },
  { name: "command_substitution", pattern: /\$\((?:[^()]*\b(?:curl|wget|cat|sh|bash|nc|rm|whoami|id)\b[^()]*)\)|`\s*(?:curl|wget|cat|sh|bash|nc|rm|whoami)\b[^`]*`/, severity: "high" },
  { name: "chained_destructive", pattern: /(?:;|&&|\|\|)\s*(?:rm\s+-|shutdown\b|reboot\b|mkfs\b|dd\s+if=)/i, severity: "high" },
  { name: "env_hijack", pattern: /\bexport\s+(?:PATH|LD_PRELOAD|LD_LIBRARY_PATH)=|\bLD_PRELOAD=/, severity: "high" },
  { name: "path_traversal", pattern: /(?:\.\.\/){2,}|(?:\.\.\\){2,}/, severity: "medium" },
] as const;

const STRICT_RULES = [
  { name: "shell_metacharacters", pattern: /[;&|]\s*(?:ls|cat|echo|id|whoami|uname|pwd)\b/, severity: "medium" },
  { name: "sudo", pattern: /\bsudo\s+\S/, severity: "medium" },
] as const;

export interface CommandInjectionOptions {
  patterns: "default" | "strict" | "relaxed" | "custom";
  customPatterns?: readonly string[];
}

/**
 * Custom patterns are the agent's regular expressions; one that does not compile is matched literally, and so
 * is one that nests quantifiers (refused at the API since; stored before that), whose matching could stall
 * the proxy.
 */
function customRule(source: string) {
  let pattern: RegExp;
  try {
    pattern = new RegExp(nestsQuantifiers(source) ? escapeRegExp(source) : source, "i");
  } catch {
    pattern = new RegExp(escapeRegExp(source), "i");
  }
  return { name: "custom", pattern, severity: "high" as const };
}

export function detectCommandInjection(text: string, options: CommandInjectionOptions, location: Threat["location"]): Threat[] {
  const rules = [
    ...(options.patterns === "relaxed" ? DEFAULT_RULES.filter((rule) => rule.severity === "critical") : DEFAULT_RULES),
    ...(options.patterns === "strict" ? STRICT_RULES : []),
    ...(options.patterns === "custom" ? (options.customPatterns ?? []).map(customRule) : []),
  ];
  return matchRules(text, rules, "command_injection", location);
}

/** `sanitize`: each match of the rules in force replaced by `[SANITIZED:<rule>]`. */
export function sanitizeCommandInjection(text: string, options: CommandInjectionOptions): string {
  const rules = [...DEFAULT_RULES, ...(options.patterns === "strict" ? STRICT_RULES : []),
    ...(options.patterns === "custom" ? (options.customPatterns ?? []).map(customRule) : [])];
  return rules.reduce((out, rule) => out.replace(new RegExp(rule.pattern.source, rule.pattern.flags.includes("g") ? rule.pattern.flags
    : `${rule.pattern.flags}g`), `[SANITIZED:${rule.name}]`), text);
}
