/** Turns one captured row into per-token projections at a layer (pure; used by chat and monitor). */
import type { CapturedRow } from '../../engine/api';
import { rowOfLayer } from '../../engine/hooks';
import { makeCapture } from '../../persona/extract';
import { nameRecord } from '../../persona/nameRecord';
import { lastPromptTokenProjection, projectCaptureRow } from '../../persona/project';
import type { TokenMonitor } from '../types';

export function monitorFromCapture(
  row: CapturedRow,
  numRows: number,
  hidden: number,
  layer: number,
  vectors: { name: string; row: Float32Array }[],
): TokenMonitor {
  const T = row.ids.length;
  const cap = makeCapture(row.resid, numRows, T, hidden);
  const projections = nameRecord<number[]>();
  const lastPrompt = nameRecord<number>();
  for (const v of vectors) {
    projections[v.name] = Array.from(projectCaptureRow(cap, rowOfLayer(layer), v.row));
    lastPrompt[v.name] = lastPromptTokenProjection(cap, rowOfLayer(layer), row.promptLength, v.row);
  }
  const layerNorms: number[] = [];
  const t = Math.max(0, row.promptLength - 1);
  for (let r = 0; r < numRows; r++) {
    const off = (r * T + t) * hidden;
    let s = 0;
    for (let h = 0; h < hidden; h++) s += row.resid[off + h] ** 2;
    layerNorms.push(Math.sqrt(s));
  }
  return { tokens: row.tokens, promptLength: row.promptLength, layer, projections, lastPrompt, layerNorms };
}
