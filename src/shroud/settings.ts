/**
 * An agent's `shroud_config` with every default filled in (the defaults 1claw documents), as the proxy acts
 * on it. Defaults live here, not in the stored config, so changing one reaches every agent that never set it.
 */
import { HARMFUL_CATEGORIES, type ShroudConfig } from "../../events/shroud-config.js";
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
  toolCalls: { enabled: boolean; allowedNames: string[]; deniedNames: string[]; scanArguments: boolean; blockCredentialExfil: boolean;
    action: "block" | "warn" | "log" };
  outputPolicy: { enabled: boolean; blockedPatterns: string[]; blockedEntities: string[]; blockHarmful: boolean;
    harmfulCategories: HarmfulCategory[]; action: "block" | "warn" | "log" };
  /** What a response scoring RESPONSE_BLOCK_SCORE or more gets: withheld unless output_policy.action says warn or log. */
  responseInjectionAction: "block" | "warn" | "log";
  secretInjection: { enabled: boolean; action: "block" | "redact" | "warn" | "log"; sensitivity: "low" | "medium" | "high" };
  advancedRedaction: { enabled: boolean; base64: boolean; split: boolean; prefix: boolean; minSecretLength: number };
  semanticPolicy: { enabled: boolean; allowedTopics: string[]; deniedTopics: string[]; allowedTasks: string[]; deniedTasks: string[];
    action: "block" | "warn" | "log" };
  streaming: { mode: "rolling" | "holdback"; holdbackChars: number };
}

/** Open streams per agent when its config names no limit (1claw's default per agent key). */
export const DEFAULT_MAX_CONCURRENT_STREAMS = 20;

type HarmfulCategory = (typeof HARMFUL_CATEGORIES)[number];

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
    toolCalls: {
      enabled: c.tool_call_inspection?.enabled ?? false,
      allowedNames: c.tool_call_inspection?.allowed_tool_names ?? [],
      deniedNames: c.tool_call_inspection?.denied_tool_names ?? [],
      scanArguments: c.tool_call_inspection?.scan_arguments ?? true,
      blockCredentialExfil: c.tool_call_inspection?.block_credential_exfil ?? true,
      action: c.tool_call_inspection?.action ?? "block",
    },
    outputPolicy: {
      enabled: c.output_policy?.enabled ?? false,
      blockedPatterns: c.output_policy?.blocked_patterns ?? [],
      blockedEntities: c.output_policy?.blocked_entities ?? [],
      blockHarmful: c.output_policy?.block_harmful_content ?? false,
      // None named: every category.
      harmfulCategories: c.output_policy?.harmful_categories?.length ? c.output_policy.harmful_categories : [...HARMFUL_CATEGORIES],
      action: c.output_policy?.action ?? "warn",
    },
    responseInjectionAction: c.output_policy?.enabled && c.output_policy.action ? c.output_policy.action : "block",
    secretInjection: {
      enabled: c.secret_injection_detection?.enabled ?? false,
      action: c.secret_injection_detection?.action ?? "block",
      sensitivity: c.secret_injection_detection?.sensitivity ?? "medium",
    },
    advancedRedaction: {
      enabled: c.advanced_redaction?.enabled ?? false,
      base64: c.advanced_redaction?.detect_base64_encoded ?? true,
      split: c.advanced_redaction?.detect_split_secrets ?? true,
      prefix: c.advanced_redaction?.detect_prefix_leak ?? true,
      minSecretLength: c.advanced_redaction?.min_secret_length ?? 16,
    },
    semanticPolicy: {
      enabled: c.semantic_policy?.enabled ?? false,
      allowedTopics: c.semantic_policy?.allowed_topics ?? [],
      deniedTopics: c.semantic_policy?.denied_topics ?? [],
      allowedTasks: c.semantic_policy?.allowed_tasks ?? [],
      deniedTasks: c.semantic_policy?.denied_tasks ?? [],
      action: c.semantic_policy?.action ?? "warn",
    },
    streaming: { mode: c.streaming_inspection_mode ?? "rolling", holdbackChars: c.streaming_holdback_chars ?? 512 },
  };
}

/** `gemini` is Google's other name. */
export function canonicalProvider(name: string): string {
  const lower = name.toLowerCase();
  return lower === "gemini" ? "google" : lower;
}
