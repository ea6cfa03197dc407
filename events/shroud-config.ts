/**
 * An agent's `shroud_config`, as stored on its events: the fields the 1claw `ShroudConfig` schema and its
 * Shroud docs name, each optional (an absent field means the default, applied where the proxy reads it, so
 * a default that changes later applies to agents that never set it). Older spellings are mapped to these
 * names at the door (src/api/agents.ts); unknown fields are dropped there.
 */
import { z } from "zod";

const threshold = z.number().min(0).max(1);
const count = z.number().int().min(0).max(1_000_000_000);
const names = z.array(z.string().max(200)).max(500);
const patterns = z.array(z.string().max(500)).max(200);
/** A group holding a quantifier, itself quantified: `(a+)+`, `(\w*x)*`, `(?:a|b+){2,}`. */
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*(?:[*+]|\{\d+,\d*\})(?:[^()\\]|\\.)*\)(?:[*+]|\{\d+,\d*\})/;

/** Whether a regular expression nests quantifiers, the shape whose backtracking can take exponential time. */
export const nestsQuantifiers = (source: string): boolean => NESTED_QUANTIFIER.test(source);

/**
 * Regular expressions a human writes: each must compile, so a bad one is a 400 at the door, not a surprise later;
 * and none may nest quantifiers, the shape whose backtracking can take exponential time on a model's answer and
 * stall the one thread every agent's calls go through.
 */
const regexes = z.array(z.string().min(1).max(500).refine((source) => {
  try {
    new RegExp(source, "iu");
    return true;
  } catch {
    return false;
  }
}, "must be a valid regular expression").refine((source) => !nestsQuantifiers(source),
  "must not nest quantifiers (such as (a+)+): their matching can take exponential time")).max(100);

export const HARMFUL_CATEGORIES = ["violence", "self_harm", "illegal", "hate", "sexual", "malware"] as const;

export const PII_POLICIES = ["block", "redact", "warn", "allow"] as const;
export const SANITIZATION_MODES = ["block", "surgical", "log_only"] as const;

export const ShroudConfigSchema = z.object({
  pii_policy: z.enum(PII_POLICIES),
  injection_threshold: threshold,
  context_injection_threshold: threshold,
  allowed_providers: names,
  allowed_models: names,
  denied_models: names,
  max_tokens_per_request: count.nullable(),
  max_requests_per_minute: count.nullable(),
  max_requests_per_day: count.nullable(),
  /** 0: unlimited. */
  daily_budget_usd: z.number().min(0).max(1_000_000),
  enable_secret_redaction: z.boolean(),
  enable_response_filtering: z.boolean(),
  max_concurrent_streams: z.number().int().min(1).max(1000),
  streaming_inspection_mode: z.enum(["rolling", "holdback"]),
  streaming_holdback_chars: z.number().int().min(64).max(65536),
  unicode_normalization: z.object({
    enabled: z.boolean(), strip_zero_width: z.boolean(), normalize_homoglyphs: z.boolean(),
    normalization_form: z.enum(["NFC", "NFKC", "NFD", "NFKD"]),
  }).partial(),
  command_injection_detection: z.object({
    enabled: z.boolean(), action: z.enum(["block", "sanitize", "warn", "log"]),
    patterns: z.enum(["default", "strict", "relaxed", "custom"]), custom_patterns: patterns,
  }).partial(),
  social_engineering_detection: z.object({
    enabled: z.boolean(), action: z.enum(["block", "warn", "log"]), sensitivity: z.enum(["low", "medium", "high"]),
  }).partial(),
  encoding_detection: z.object({
    enabled: z.boolean(), action: z.enum(["block", "decode", "warn", "log"]),
    detect_base64: z.boolean(), detect_hex: z.boolean(), detect_unicode_escape: z.boolean(),
  }).partial(),
  network_detection: z.object({
    enabled: z.boolean(), action: z.enum(["block", "warn", "log"]), blocked_domains: names, allowed_domains: names,
  }).partial(),
  filesystem_detection: z.object({
    enabled: z.boolean(), action: z.enum(["block", "sanitize", "warn", "log"]), blocked_paths: patterns,
  }).partial(),
  tool_call_inspection: z.object({
    enabled: z.boolean(), allowed_tool_names: names, denied_tool_names: names, scan_arguments: z.boolean(),
    block_credential_exfil: z.boolean(), action: z.enum(["block", "warn", "log"]),
  }).partial(),
  output_policy: z.object({
    enabled: z.boolean(), blocked_patterns: regexes, blocked_entities: names, block_harmful_content: z.boolean(),
    harmful_categories: z.array(z.enum(HARMFUL_CATEGORIES)).max(HARMFUL_CATEGORIES.length), action: z.enum(["block", "warn", "log"]),
  }).partial(),
  secret_injection_detection: z.object({
    enabled: z.boolean(), action: z.enum(["block", "redact", "warn", "log"]), sensitivity: z.enum(["low", "medium", "high"]),
  }).partial(),
  advanced_redaction: z.object({
    enabled: z.boolean(), detect_base64_encoded: z.boolean(), detect_split_secrets: z.boolean(), detect_prefix_leak: z.boolean(),
    min_secret_length: z.number().int().min(6).max(4096),
  }).partial(),
  semantic_policy: z.object({
    enabled: z.boolean(), allowed_topics: names, denied_topics: names, allowed_tasks: names, denied_tasks: names,
    action: z.enum(["block", "warn", "log"]),
  }).partial(),
  sanitization_mode: z.enum(SANITIZATION_MODES),
  threat_logging: z.boolean(),
  flagged_request_retention_days: z.number().int().min(0).max(365),
}).partial();

export type ShroudConfig = z.output<typeof ShroudConfigSchema>;
