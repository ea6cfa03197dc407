/**
 * An agent's `shroud_config` with every default filled in (the defaults 1claw documents), as the proxy acts
 * on it. Defaults live here, not in the stored config, so changing one reaches every agent that never set it.
 */
import type { ShroudConfig } from "../../events/shroud-config.js";
import { DEFAULT_BLOCKED_DOMAINS } from "./detectors/network.js";

export interface ShroudSettings {
  piiPolicy: "block" | "redact" | "warn" | "allow";
  injectionThreshold: number;
  contextInjectionThreshold: number;
  allowedProviders: string[];
  allowedModels: string[];
  deniedModels: string[];
  maxTokensPerRequest: number | null;
  maxRequestsPerMinute: number | null;
  maxRequestsPerDay: number | null;
  dailyBudgetUsd: number;
  secretRedaction: boolean;
  responseFiltering: boolean;
  maxConcurrentStreams: number;
  unicode: { enabled: boolean; stripZeroWidth: boolean; homoglyphs: boolean; form: "NFC" | "NFKC" | "NFD" | "NFKD" };
  commandInjection: { enabled: boolean; action: "block" | "sanitize" | "warn" | "log"; patterns: "default" | "strict" | "relaxed" | "custom"; customPatterns: string[] };
  socialEngineering: { enabled: boolean; action: "block" | "warn" | "log"; sensitivity: "low" | "medium" | "high" };
  encoding: { enabled: boolean; action: "block" | "decode" | "warn" | "log"; base64: boolean; hex: boolean; unicodeEscape: boolean };
  network: { enabled: boolean; action: "block" | "warn" | "log"; blockedDomains: string[]; allowedDomains: string[] };
  filesystem: { enabled: boolean; action: "block" | "sanitize" | "warn" | "log"; blockedPaths: string[] };
  sanitizationMode: "block" | "surgical" | "log_only";
}

/** Open streams per agent when its config names no limit (1claw's default per agent key). */
export const DEFAULT_MAX_CONCURRENT_STREAMS = 20;

export function shroudSettings(config: ShroudConfig | null): ShroudSettings {
  const c = config ?? {};
  return {
    piiPolicy: c.pii_policy ?? "redact",
    injectionThreshold: c.injection_threshold ?? 0.7,
    contextInjectionThreshold: c.context_injection_threshold ?? 0.7,
    allowedProviders: (c.allowed_providers ?? []).map((p) => canonicalProvider(p)),
    allowedModels: c.allowed_models ?? [],
    deniedModels: c.denied_models ?? [],
    maxTokensPerRequest: c.max_tokens_per_request ?? null,
    maxRequestsPerMinute: c.max_requests_per_minute ?? null,
    maxRequestsPerDay: c.max_requests_per_day ?? null,
    dailyBudgetUsd: c.daily_budget_usd ?? 0,
    secretRedaction: c.enable_secret_redaction ?? true,
    responseFiltering: c.enable_response_filtering ?? true,
    maxConcurrentStreams: c.max_concurrent_streams ?? DEFAULT_MAX_CONCURRENT_STREAMS,
    unicode: {
      enabled: c.unicode_normalization?.enabled ?? true,
      stripZeroWidth: c.unicode_normalization?.strip_zero_width ?? true,
      homoglyphs: c.unicode_normalization?.normalize_homoglyphs ?? true,
      form: c.unicode_normalization?.normalization_form ?? "NFKC",
    },
    commandInjection: {
      enabled: c.command_injection_detection?.enabled ?? true,
      action: c.command_injection_detection?.action ?? "block",
      patterns: c.command_injection_detection?.patterns ?? "default",
      customPatterns: c.command_injection_detection?.custom_patterns ?? [],
    },
    socialEngineering: {
      enabled: c.social_engineering_detection?.enabled ?? true,
      action: c.social_engineering_detection?.action ?? "warn",
      sensitivity: c.social_engineering_detection?.sensitivity ?? "medium",
    },
    encoding: {
      enabled: c.encoding_detection?.enabled ?? true,
      action: c.encoding_detection?.action ?? "warn",
      base64: c.encoding_detection?.detect_base64 ?? true,
      hex: c.encoding_detection?.detect_hex ?? true,
      unicodeEscape: c.encoding_detection?.detect_unicode_escape ?? true,
    },
    network: {
      enabled: c.network_detection?.enabled ?? true,
      action: c.network_detection?.action ?? "warn",
      blockedDomains: c.network_detection?.blocked_domains ?? [...DEFAULT_BLOCKED_DOMAINS],
      allowedDomains: c.network_detection?.allowed_domains ?? [],
    },
    filesystem: {
      enabled: c.filesystem_detection?.enabled ?? false,
      action: c.filesystem_detection?.action ?? "log",
      blockedPaths: c.filesystem_detection?.blocked_paths ?? [],
    },
    sanitizationMode: c.sanitization_mode ?? "block",
  };
}

/** `gemini` is Google's other name. */
export function canonicalProvider(name: string): string {
  const lower = name.toLowerCase();
  return lower === "gemini" ? "google" : lower;
}
