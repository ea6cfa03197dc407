/**
 * Hidden-content stripping (always on) and Unicode normalisation: zero-width characters, the byte-order mark
 * and bidirectional overrides hide instructions from a human reviewer; look-alike letters (Cyrillic `а` for
 * Latin `a`) slip past keyword rules. Both run before every other detector, so those see what a model sees.
 */

/** U+200B-U+200D, U+2060 (word joiner), U+FEFF (BOM), U+202A-U+202E and U+2066-U+2069 (bidi controls). */
const HIDDEN = /[\u200B-\u200D\u2060\uFEFF\u202A-\u202E\u2066-\u2069]/g;

export function stripHiddenCharacters(text: string): { text: string; removed: number } {
  let removed = 0;
  const stripped = text.replace(HIDDEN, () => {
    removed++;
    return "";
  });
  return { text: stripped, removed };
}

/** Letters of other scripts that look like ASCII ones (the confusables that matter for English keywords). */
const HOMOGLYPHS: Record<string, string> = {
  // Cyrillic
  "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y",
  "х": "x", "ѕ": "s", "і": "i", "ј": "j", "ԁ": "d", "ɡ": "g", "ո": "n", "ս": "u", "ԝ": "w",
  "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "Х": "X",
  "Ѕ": "S", "І": "I", "Ј": "J",
  // Greek
  "α": "a", "ε": "e", "ι": "i", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "ν": "v", "κ": "k",
  "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P",
  "Τ": "T", "Υ": "Y", "Χ": "X",
};
const HOMOGLYPH_PATTERN = new RegExp(`[${Object.keys(HOMOGLYPHS).join("")}]`, "g");

export type NormalizationForm = "NFC" | "NFKC" | "NFD" | "NFKD";

export interface NormalizationOptions {
  form: NormalizationForm;
  homoglyphs: boolean;
}

/** The text in the form, with look-alikes replaced (when asked); `changed` says whether anything differed. */
export function normalizeUnicode(text: string, options: NormalizationOptions): { text: string; changed: boolean } {
  let normalized = text.normalize(options.form);
  if (options.homoglyphs) normalized = normalized.replace(HOMOGLYPH_PATTERN, (c) => HOMOGLYPHS[c]);
  return { text: normalized, changed: normalized !== text };
}
