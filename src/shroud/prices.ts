/**
 * What a call costs, for the daily budget: US dollars per million input and output tokens by model (a model
 * name matches its longest listed prefix, so dated versions find their family). A model not listed costs 0.
 * The table is configurable (SHROUD_PRICES); these defaults are the providers' list prices of late 2025.
 */
export interface ModelPrice {
  input_per_mtok: number;
  output_per_mtok: number;
}

export type PriceTable = Record<string, ModelPrice>;

export const DEFAULT_PRICES: PriceTable = {
  "gpt-4o-mini": { input_per_mtok: 0.15, output_per_mtok: 0.6 },
  "gpt-4o": { input_per_mtok: 2.5, output_per_mtok: 10 },
  "gpt-4.1-nano": { input_per_mtok: 0.1, output_per_mtok: 0.4 },
  "gpt-4.1-mini": { input_per_mtok: 0.4, output_per_mtok: 1.6 },
  "gpt-4.1": { input_per_mtok: 2, output_per_mtok: 8 },
  "o4-mini": { input_per_mtok: 1.1, output_per_mtok: 4.4 },
  "claude-3-5-haiku": { input_per_mtok: 0.8, output_per_mtok: 4 },
  "claude-haiku-4": { input_per_mtok: 1, output_per_mtok: 5 },
  "claude-sonnet-4": { input_per_mtok: 3, output_per_mtok: 15 },
  "claude-opus-4": { input_per_mtok: 15, output_per_mtok: 75 },
  "gemini-2.0-flash": { input_per_mtok: 0.1, output_per_mtok: 0.4 },
  "gemini-2.5-flash": { input_per_mtok: 0.3, output_per_mtok: 2.5 },
  "gemini-2.5-pro": { input_per_mtok: 1.25, output_per_mtok: 10 },
};

/** Millionths of a dollar: $1 per million tokens is one micro-dollar per token. */
export function costMicroUsd(prices: PriceTable, model: string, inputTokens: number, outputTokens: number): number {
  const key = Object.keys(prices).filter((name) => model === name || model.startsWith(name))
    .sort((a, b) => b.length - a.length)[0];
  if (!key) return 0;
  const price = prices[key];
  return Math.round(inputTokens * price.input_per_mtok + outputTokens * price.output_per_mtok);
}
