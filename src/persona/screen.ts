/**
 * Data screening by projection difference (docs/ARCHITECTURE.md §4 "Data screening"): for a sample (x, y),
 *   ΔP = (a(x, y) − a(x, y′))·v̂
 * with a the response-average at the chosen layer, y the dataset response and y′ the model's own
 * greedy response. The cheap variant replaces a(x, y′)·v̂ by the last-prompt-token projection.
 * Samples are ranked by ΔP; the paper flagged those above the 95th percentile.
 * Also: a JSONL parser for {prompt, response} datasets that keeps the good lines and reports the
 * broken ones by line number.
 */
import { dot, unit } from './vectorMath';
import { percentileRank, quantile } from './stats';

/** ΔP = (a − a′)·v/‖v‖ for response averages a (dataset response) and a′ (model's own response). */
export function projectionDifference(aDataset: ArrayLike<number>, aModel: ArrayLike<number>, v: ArrayLike<number>): number {
  if (aDataset.length !== v.length || aModel.length !== v.length) {
    throw new Error(`activations (${aDataset.length}, ${aModel.length}) and vector (${v.length}) differ in length`);
  }
  const u = unit(v);
  return dot(aDataset, u) - dot(aModel, u);
}

/** Cheap ΔP: response-average projection minus the last-prompt-token projection (no generation). */
export function cheapProjectionDifference(aDataset: ArrayLike<number>, lastPromptToken: ArrayLike<number>, v: ArrayLike<number>): number {
  return projectionDifference(aDataset, lastPromptToken, v);
}

export interface ScreenResult {
  /** Percentile rank 0–100 of each sample's ΔP within the dataset. */
  percentiles: number[];
  /** ΔP value at the flag percentile. */
  threshold: number;
  /** True for samples strictly above the threshold. */
  flagged: boolean[];
  /** Sample indices ordered by ΔP, highest first. */
  order: number[];
}

/** Rank ΔP values and flag those above the given percentile (default 95). NaN values are never flagged. */
export function rankProjectionDifferences(deltas: number[], flagPercentile = 95): ScreenResult {
  if (!(flagPercentile >= 0 && flagPercentile <= 100)) throw new RangeError(`flag percentile must be within 0–100, got ${flagPercentile}`);
  const finite = deltas.filter((d) => Number.isFinite(d));
  const threshold = quantile(finite, flagPercentile / 100);
  return {
    percentiles: deltas.map((d) => (Number.isFinite(d) ? percentileRank(finite, d) : NaN)),
    threshold,
    flagged: deltas.map((d) => Number.isFinite(d) && d > threshold),
    order: deltas
      .map((_, i) => i)
      .filter((i) => Number.isFinite(deltas[i]))
      .sort((i, j) => deltas[j] - deltas[i] || i - j),
  };
}

export interface ScreenSample {
  prompt: string;
  response: string;
  /** 1-based line number in the JSONL text. */
  line: number;
}

export interface JsonlParseResult {
  samples: ScreenSample[];
  errors: { line: number; message: string }[];
}

/**
 * Parse JSONL of {"prompt": string, "response": string} (also accepts "messages" chat format
 * with one user and one assistant turn). Blank lines are skipped; every other broken line is
 * reported with its number and the rest are kept.
 */
export function parseScreenJsonl(text: string, maxErrors = 1000): JsonlParseResult {
  const out: JsonlParseResult = { samples: [], errors: [] };
  const lines = text.split(/\r?\n/);
  const report = (line: number, message: string) => {
    if (out.errors.length < maxErrors) out.errors.push({ line, message });
  };
  lines.forEach((raw, i) => {
    const line = i + 1;
    const s = raw.trim();
    if (s === '') return;
    let obj: unknown;
    try {
      obj = JSON.parse(s);
    } catch (e) {
      report(line, `not valid JSON (${(e as Error).message})`);
      return;
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      report(line, 'expected a JSON object with "prompt" and "response"');
      return;
    }
    const o = obj as Record<string, unknown>;
    if (Array.isArray(o.messages)) {
      const msgs = o.messages as { role?: unknown; content?: unknown }[];
      const user = msgs.find((m) => m && m.role === 'user');
      const asst = msgs.find((m) => m && m.role === 'assistant');
      if (!user || !asst || typeof user.content !== 'string' || typeof asst.content !== 'string') {
        report(line, '"messages" needs a user and an assistant turn with string content');
        return;
      }
      out.samples.push({ prompt: user.content, response: asst.content, line });
      return;
    }
    const missing = ['prompt', 'response'].filter((k) => typeof o[k] !== 'string');
    if (missing.length) {
      report(line, `${missing.map((k) => `"${k}"`).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing or not a string`);
      return;
    }
    out.samples.push({ prompt: o.prompt as string, response: o.response as string, line });
  });
  return out;
}
