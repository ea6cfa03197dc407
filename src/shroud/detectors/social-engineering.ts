/**
 * Social engineering aimed at the model or its operator: urgency, claimed authority, secrecy, emotional
 * pressure and requests to bypass controls. One cue is ordinary speech ("urgent: the build is red"); the
 * sensitivity says how many distinct cues make a finding: low 1, medium 2, high 3.
 */
import type { Threat } from "./threat.js";

const CUES = [
  { name: "urgency", pattern: /\b(?:urgent(?:ly)?|immediately|right now|asap|within (?:the next )?\d+ minutes|before it'?s too late)\b/i },
  { name: "authority", pattern: /\b(?:i am|i'm|this is) (?:the |your )?(?:ceo|cto|administrator|admin|boss|manager|security team|it department|police)\b/i },
  { name: "secrecy", pattern: /\b(?:don'?t|do not) (?:tell|inform|mention|log|report)\b|\bkeep (?:this|it) (?:secret|between us|confidential)\b/i },
  { name: "emotional_pressure", pattern: /\b(?:i will (?:be fired|lose my job|die)|people will (?:die|get hurt)|you will be (?:shut down|deleted|punished))\b/i },
  { name: "bypass_request", pattern: /\b(?:bypass|disable|turn off|skip|get around)\b[^.\n]{0,30}\b(?:security|safety|filters?|checks?|guardrails?|verification|2fa|mfa)\b/i },
] as const;

const NEEDED = { low: 1, medium: 2, high: 3 } as const;

export function detectSocialEngineering(text: string, sensitivity: "low" | "medium" | "high", location: Threat["location"]): Threat[] {
  const cues = CUES.filter((cue) => cue.pattern.test(text));
  if (cues.length < NEEDED[sensitivity]) return [];
  return cues.map((cue) => ({ threat_type: "social_engineering", pattern: cue.name, location,
    severity: cues.length >= 3 ? "high" : "medium" }));
}
