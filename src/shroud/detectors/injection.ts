/**
 * Prompt- and context-injection scores, 0 to 1: the sum of the weights of the categories that match, capped
 * at 1 (1claw's documented categories and weights). Above the agent's threshold the policy engine blocks;
 * above HARD_INJECTION_FLOOR a call is blocked whatever the agent's threshold says.
 */
export const HARD_INJECTION_FLOOR = 0.9;

interface Category {
  name: string;
  weight: number;
  patterns: readonly RegExp[];
}

export interface InjectionScore {
  score: number;
  categories: string[];
}

const PROMPT_CATEGORIES: readonly Category[] = [
  { name: "role_manipulation", weight: 0.4, patterns: [
    /\byou are now\b/i, /\bact as (?:an? |the )?(?:unrestricted|unfiltered|jailbroken|evil|different)\b/i,
    /\bpretend (?:to be|you are)\b/i, /\bfrom now on,? you\b/i, /\b(?:you are|you're) (?:an? )?(?:unrestricted|unfiltered|jailbroken)\b/i,
    /\b(?:DAN|do anything now) mode\b/i, /\broleplay as\b/i,
  ] },
  { name: "instruction_override", weight: 0.5, patterns: [
    /\b(?:ignore|disregard|forget|override)\b[^.\n]{0,40}\b(?:previous|prior|above|earlier|all|your|safety|system)\b[^.\n]{0,20}\b(?:instructions?|rules|guidelines|prompts?|polic(?:y|ies)|restrictions)\b/i,
    /\bdo not follow (?:your|the) (?:rules|guidelines|instructions)\b/i,
    /\bwithout (?:any )?(?:restrictions|safety|filters)\b/i,
  ] },
  { name: "delimiter_attack", weight: 0.6, patterns: [
    /```\s*system\b/i, /<\|im_start\|>\s*system/i, /<\|system\|>/i, /^\s*#{2,}\s*system\s*:?/im, /\[\/?system\]/i,
    /<\/?system>/i, /-{3,}\s*system\s*-{3,}/i, /\bend of (?:system|user) (?:prompt|message)\b/i,
  ] },
  { name: "encoding_evasion", weight: 0.3, patterns: [
    /\b(?:decode|decrypt)\b[^.\n]{0,30}\b(?:and|then)\b[^.\n]{0,20}\b(?:execute|run|follow|obey)\b/i, /\brot13\b/i,
    /\bbase64[- ]?(?:decode|encoded instructions)\b/i,
  ] },
  { name: "indirect_injection", weight: 0.3, patterns: [
    /\b(?:note|message|instructions?) (?:to|for) (?:the |any )?(?:ai|assistant|llm|model|agent)\b/i,
    /\bif you are an? (?:ai|llm|language model|assistant)\b/i, /\bwhen (?:the )?(?:ai|assistant|model) reads this\b/i,
  ] },
  { name: "system_prompt_extraction", weight: 0.35, patterns: [
    /\b(?:reveal|print|show|repeat|output|leak|tell me)\b[^.\n]{0,20}\b(?:system prompt|initial instructions|hidden instructions|developer message)\b/i,
    /\bwhat (?:is|are|were) your (?:system prompt|initial instructions|original instructions)\b/i,
  ] },
];

const CONTEXT_CATEGORIES: readonly Category[] = [
  { name: "fake_system_boundary", weight: 0.6, patterns: [
    /-{3,}\s*system\s*-{3,}/i, /<\|system\|>/i, /\[INST\]/, /<<SYS>>/, /<\|im_start\|>/i,
  ] },
  { name: "role_reassignment", weight: 0.4, patterns: [
    /\b(?:the )?assistant (?:must|should|will) now\b/i, /\byour new (?:role|task|instructions|objective)\b/i, /\bnew role\s*:/i,
  ] },
  { name: "delimiter_spoofing", weight: 0.4, patterns: [
    /<\/?(?:instructions?|admin|system_override|override|developer|policy)>/i, /<\/(?:context|document|user_input)>/i,
  ] },
  { name: "authority_escalation", weight: 0.4, patterns: [
    /\bas (?:an|the|your) (?:administrator|admin|developer|system operator|root user)\b/i, /\badmin(?:istrator)? override\b/i,
    /\b(?:sudo|developer|god) mode\b/i,
  ] },
];

function score(text: string, categories: readonly Category[]): InjectionScore {
  const matched = categories.filter((category) => category.patterns.some((pattern) => pattern.test(text)));
  const total = matched.reduce((sum, category) => sum + category.weight, 0);
  return { score: Math.min(1, Math.round(total * 100) / 100), categories: matched.map((category) => category.name) };
}

export const promptInjectionScore = (text: string) => score(text, PROMPT_CATEGORIES);
export const contextInjectionScore = (text: string) => score(text, CONTEXT_CATEGORIES);

/** Blocks when over the agent's threshold or over the hard floor; the message says which and by how much. */
export function injectionVerdict(kind: "prompt" | "context", result: InjectionScore, threshold: number): string | undefined {
  const limit = Math.min(threshold, HARD_INJECTION_FLOOR);
  if (result.score <= limit) return undefined;
  return `${kind} injection score ${result.score.toFixed(2)} exceeds threshold ${limit.toFixed(2)}`;
}
