/**
 * Output policy: what the model may not say, as the agent's human put it: regular expressions, named
 * entities (matched as whole words, any case), and harmful content by category (violence, self-harm,
 * illegal activity, hate, sexual content, malware), each a table of explicit phrases: deterministic, so a
 * refusal can always be explained by the rule that matched.
 */
import type { HARMFUL_CATEGORIES } from "../../../events/shroud-config.js";
import { escapeRegExp, wholeWords } from "./regex.js";

export type HarmfulCategory = (typeof HARMFUL_CATEGORIES)[number];

const HARMFUL: Record<HarmfulCategory, RegExp> = {
  violence: /\b(?:how to (?:kill|murder|stab|strangle|poison) (?:a |someone|somebody|people|your)|build (?:a |an )?(?:pipe )?bomb|make (?:a |an )?(?:explosive|pipe bomb|molotov))/i,
  self_harm: /\b(?:how to (?:kill myself|commit suicide|self[- ]harm)|ways to (?:kill yourself|end your life|hurt yourself)|lethal dose of)\b/i,
  illegal: /\b(?:how to (?:launder money|make meth|cook meth|buy (?:a )?stolen|counterfeit money|hotwire a car|evade taxes))|synthesi[sz]e (?:meth|methamphetamine|fentanyl|heroin)\b/i,
  hate: /\b(?:(?:all|those) (?:\w+ )?(?:people|immigrants|jews|muslims|christians|blacks|whites|gays) (?:are|should be) (?:vermin|subhuman|animals|exterminated|killed))\b/i,
  sexual: /\b(?:explicit sex(?:ual)? (?:scene|content)|graphic sexual|pornographic)\b/i,
  malware: /\b(?:keylogger|ransomware|credential stealer|reverse shell payload|disable (?:windows )?defender|encrypt (?:all )?(?:the )?victim'?s files)\b/i,
};

export interface OutputPolicyOptions {
  blockedPatterns: readonly string[];
  blockedEntities: readonly string[];
  blockHarmful: boolean;
  harmfulCategories: readonly HarmfulCategory[];
}

export interface OutputPolicyFinding {
  /** Content-free: `blocked_pattern:<n>` (the rule's place in the list), `blocked_entity:<n>`, `harmful:<category>`. */
  category: string;
}


export function checkOutputPolicy(text: string, options: OutputPolicyOptions): OutputPolicyFinding[] {
  const found: OutputPolicyFinding[] = [];
  options.blockedPatterns.forEach((source, i) => {
    // Validated when the config was stored; `u` so that a pattern sees characters, not UTF-16 halves.
    if (new RegExp(source, "iu").test(text)) found.push({ category: `blocked_pattern:${i}` });
  });
  options.blockedEntities.forEach((entity, i) => {
    if (entity.trim() !== "" && wholeWords(escapeRegExp(entity.trim())).test(text)) {
      found.push({ category: `blocked_entity:${i}` });
    }
  });
  if (options.blockHarmful) {
    for (const category of options.harmfulCategories) if (HARMFUL[category].test(text)) found.push({ category: `harmful:${category}` });
  }
  return found;
}
