/**
 * Semantic policy without a model: topics are the human's own words, found as whole words or phrases (any
 * case, a plural `s`/`es` allowed); tasks are recognised from explicit cues for the common ones (code,
 * translation, summarization, creative writing, data analysis, email), any other task name by its own words.
 * On a response, a code block is unexpected when the agent's allowed tasks do not include code.
 */
import { escapeRegExp, wholeWords } from "./regex.js";

export interface SemanticOptions {
  allowedTopics: readonly string[];
  deniedTopics: readonly string[];
  allowedTasks: readonly string[];
  deniedTasks: readonly string[];
}

export interface SemanticViolation {
  /** Content-free label (`denied_topic`, `topic_not_allowed`, `denied_task:<task>`, ...). */
  category: string;
  reason: string;
}

const TASK_CUES: Record<string, RegExp> = {
  code: /```|\b(?:write|implement|refactor|debug|fix|generate) (?:a |an |the |this |my |some )?(?:\w+ )?(?:function|class|script|program|code|method|regex|query)\b|\b(?:python|javascript|typescript|rust|golang|java|sql|bash|shell) (?:code|script|function|snippet)\b/i,
  translation: /\btranslat(?:e|es|ed|ing|ion)\b/i,
  summarization: /\bsummar(?:y|ies|ise|ize|ised|ized|ising|izing|isation|ization)\b|\btl;?dr\b/i,
  creative_writing: /\b(?:write|compose) (?:me )?(?:a |an )?(?:poem|story|song|haiku|novel|limerick|screenplay)\b/i,
  data_analysis: /\banaly[sz](?:e|is|ing) (?:this |the |my )?(?:data|dataset|csv|spreadsheet|table|numbers)\b/i,
  email: /\b(?:write|draft|compose) (?:me )?(?:an? )?(?:e-?mail|reply email)\b/i,
};

const TASK_ALIASES: Record<string, string> = {
  coding: "code", programming: "code", summarisation: "summarization", summarize: "summarization", summarise: "summarization",
  summary: "summarization", translate: "translation", creative: "creative_writing", writing: "creative_writing",
  analysis: "data_analysis", emails: "email",
};

/** A task as named in the config, in the cue table's words. */
export function canonicalTask(name: string): string {
  const key = name.trim().toLowerCase().replace(/[\s-]+/g, "_");
  return TASK_ALIASES[key] ?? key;
}


/** A topic or task name's words in the text, as a whole phrase. */
function mentions(text: string, phrase: string): boolean {
  const words = phrase.trim().split(/[\s_-]+/).filter(Boolean).map(escapeRegExp);
  if (words.length === 0) return false;
  const last = words.pop()!;
  // A plural: "topics", "taxes", "currencies".
  words.push(/y$/i.test(last) ? `${last.slice(0, -1)}(?:y|ies)` : `${last}(?:e?s)?`);
  return wholeWords(words.join("[\\s_-]+")).test(text);
}

export function detectTasks(text: string, named: readonly string[]): string[] {
  const tasks = new Set(Object.entries(TASK_CUES).filter(([, cue]) => cue.test(text)).map(([task]) => task));
  for (const name of named) {
    const task = canonicalTask(name);
    if (!(task in TASK_CUES) && mentions(text, name)) tasks.add(task);
  }
  return [...tasks];
}

export function checkSemanticRequest(text: string, options: SemanticOptions): SemanticViolation[] {
  const violations: SemanticViolation[] = [];
  for (const topic of options.deniedTopics) {
    if (mentions(text, topic)) violations.push({ category: "denied_topic", reason: `topic '${topic}' is in denied_topics` });
  }
  if (options.allowedTopics.length > 0 && !options.allowedTopics.some((topic) => mentions(text, topic))) {
    violations.push({ category: "topic_not_allowed", reason: "request matches none of allowed_topics" });
  }
  const allowed = options.allowedTasks.map(canonicalTask);
  const denied = options.deniedTasks.map(canonicalTask);
  for (const task of detectTasks(text, [...options.allowedTasks, ...options.deniedTasks])) {
    if (denied.includes(task)) violations.push({ category: `denied_task:${task}`, reason: `task '${task}' is in denied_tasks` });
    else if (allowed.length > 0 && !allowed.includes(task)) {
      violations.push({ category: `task_not_allowed:${task}`, reason: `task '${task}' not in allowed_tasks` });
    }
  }
  return violations;
}

export function checkSemanticResponse(text: string, options: SemanticOptions): SemanticViolation[] {
  const violations: SemanticViolation[] = [];
  for (const topic of options.deniedTopics) {
    if (mentions(text, topic)) violations.push({ category: "denied_topic", reason: `response topic '${topic}' is in denied_topics` });
  }
  const allowed = options.allowedTasks.map(canonicalTask);
  const codeDenied = options.deniedTasks.map(canonicalTask).includes("code");
  if (/```/.test(text) && (codeDenied || (allowed.length > 0 && !allowed.includes("code")))) {
    violations.push({ category: "unexpected_code_block", reason: "response contains a code block and code is not an allowed task" });
  }
  return violations;
}
