/** Dataset screening: parse a JSONL of {prompt, response}, rank by projection difference ΔP, flag the top. */
import { screenDataset } from '../../persona/pipeline/screenDataset';
import { makePersonaVector } from '../../persona/personaVector';
import { fileTooLarge, MAX_SCREEN_FILE_BYTES } from '../../persona/limits';
import { parseScreenJsonl, rankProjectionDifferences, type ScreenSample } from '../../persona/screen';
import { getEngine, isCancelled, toUiError } from '../engine';
import { getLab, setLab } from '../store';
import type { ScreenRow } from '../types';
import type { ScreenState } from '../uiSlice';

let controller: AbortController | null = null;
let samples: ScreenSample[] = [];

function patch(p: Partial<ScreenState>): void {
  setLab((s) => ({ screen: { ...s.screen, ...p } }));
}

export function setScreenOptions(p: Partial<Pick<ScreenState, 'trait' | 'flagPercentile' | 'full'>>): void {
  patch(p);
  if (p.flagPercentile !== undefined) reflag();
}

/**
 * Refuses a screening file over MAX_SCREEN_FILE_BYTES by its size, before it is read; true when
 * refused. The file loaded before, if any, stays loaded.
 */
export function refuseLargeScreenFile(name: string, bytes: number): boolean {
  if (bytes <= MAX_SCREEN_FILE_BYTES) return false;
  patch({
    error: {
      message: `${name}: ${fileTooLarge(bytes, MAX_SCREEN_FILE_BYTES, 'a screening file')}, so it was not read`,
      hint: 'Split the dataset into smaller JSONL files (e.g. `split -l 50000 data.jsonl part-`) and screen them one by one.',
    },
  });
  return true;
}

/** Reads a JSONL file's text; broken lines are listed, good ones kept for screening. */
export function loadScreenFile(name: string, text: string): number {
  if (refuseLargeScreenFile(name, text.length)) return 0;
  const r = parseScreenJsonl(text);
  samples = r.samples;
  patch({
    fileName: name,
    parseErrors: r.errors,
    rows: [],
    threshold: null,
    error: r.samples.length ? null : { message: `${name} has no usable lines`, hint: 'Each line must be a JSON object with "prompt" and "response" strings.' },
  });
  return r.samples.length;
}

export function cancelScreen(): void {
  controller?.abort();
}

/** Re-applies the flag percentile to the current rows. */
function reflag(): void {
  const s = getLab().screen;
  if (!s.rows.length) return;
  const ranked = rankProjectionDifferences(
    s.rows.map((r) => r.delta),
    s.flagPercentile,
  );
  patch({ threshold: ranked.threshold, rows: s.rows.map((r, i) => ({ ...r, percentile: ranked.percentiles[i], flagged: ranked.flagged[i] })) });
}

export async function runScreen(): Promise<void> {
  const s = getLab();
  const trait = s.screen.trait && s.vectors[s.screen.trait] ? s.screen.trait : (s.active.find((t) => s.vectors[t]) ?? Object.keys(s.vectors)[0]);
  if (s.loadState !== 'ready' || !s.info || s.layer === null) {
    patch({ error: { message: 'no model is loaded', hint: 'Load a model and extract a trait first.' } });
    return;
  }
  if (!trait) {
    patch({ error: { message: 'no trait vector to screen with', hint: 'Extract a trait in the Traits panel first.' } });
    return;
  }
  if (!samples.length) {
    patch({ error: { message: 'no data to screen', hint: 'Drop a JSONL file of {"prompt", "response"} lines first.' } });
    return;
  }
  const v = s.vectors[trait];
  const vector = makePersonaVector(v.rows, v.hidden, v.data, { trait }, v.presentRows);
  controller = new AbortController();
  patch({ trait, error: null, rows: [], progress: { label: 'Screening', done: 0, total: samples.length, etaSeconds: null, unit: 'items' } });
  try {
    const report = await screenDataset(
      {
        engine: getEngine(),
        info: s.info,
        signal: controller.signal,
        onProgress: (p) =>
          patch({
            progress: {
              label: p.phase ? `Screening (${p.phase})` : 'Screening',
              done: p.done,
              total: p.total,
              etaSeconds: p.etaMs === null ? null : p.etaMs / 1000,
              unit: 'items',
            },
          }),
      },
      samples,
      { vector, layer: s.layer, mode: s.screen.full ? 'full' : 'cheap', flagPercentile: s.screen.flagPercentile, maxNewTokens: s.maxNewTokens },
    );
    const rows: ScreenRow[] = report.rows.map((r) => ({
      line: r.line,
      prompt: r.prompt,
      response: r.response,
      projection: r.projection,
      delta: report.ranking === 'full' ? r.deltaP! : r.deltaPCheap,
      percentile: r.percentile,
      flagged: r.flagged,
    }));
    patch({ rows, threshold: report.threshold, progress: null });
  } catch (e) {
    patch({ progress: null, error: isCancelled(e) || controller?.signal.aborted ? null : toUiError(e) });
  } finally {
    controller = null;
  }
}

/** The flagged rows as JSONL (the input's fields plus ΔP and percentile). */
export function flaggedJsonl(): string {
  return (
    getLab()
      .screen.rows.filter((r) => r.flagged)
      .map((r) => JSON.stringify({ line: r.line, prompt: r.prompt, response: r.response, delta_p: r.delta, percentile: r.percentile }))
      .join('\n') + '\n'
  );
}
