/**
 * Monitoring on the engine (docs/ARCHITECTURE.md §4 "Monitoring"): per-token scalar projections a·v̂ at any
 * layer for any text or conversation, the last-prompt-token projection of many prompts, and its
 * drift over the turns of a conversation.
 */
import type { CapturedRow, ChatMessage, PromptInput } from '../../engine/api';
import { hookName, rowOfLayer } from '../../engine/hooks';
import { vectorRow, type PersonaVector } from '../personaVector';
import { projectTokens } from '../project';
import { dot, unit } from '../vectorMath';
import { captureRows } from './engineCalls';
import { checkCancelled, chunks, PipelineProgressTracker } from './progress';
import { PipelineError, type PipelineContext } from './types';

export type MonitorContext = Pick<PipelineContext, 'engine' | 'info' | 'signal' | 'onProgress' | 'promptFormat'>;

/** Residual row of a decoder block (−1 = the embedding row). */
export function rowOf(ctx: Pick<PipelineContext, 'info'>, layer: number): number {
  if (!Number.isInteger(layer) || layer < -1 || layer >= ctx.info.numLayers) {
    throw new PipelineError('bad_input', `layer ${layer} is outside −1..${ctx.info.numLayers - 1} (−1 = embed)`);
  }
  return rowOfLayer(layer);
}

function unitRow(v: PersonaVector, row: number): Float32Array {
  return unit(vectorRow(v, row));
}

/** The [T, hidden] slice of one residual row of a captured row. */
export function residRow(c: CapturedRow, row: number, hidden: number): Float32Array {
  const T = c.ids.length;
  return c.resid.subarray(row * T * hidden, (row + 1) * T * hidden);
}

export interface TokenProjections {
  hook: string;
  layer: number;
  ids: number[];
  tokens: string[];
  /** Prompt tokens are [0, promptLength); the response follows. */
  promptLength: number;
  /** a·v̂ per token. */
  projections: number[];
}

export interface TextInput {
  prompt: PromptInput;
  /** Text after the prompt (e.g. an assistant answer). */
  response?: string;
}

/** Per-token projections of several texts onto the vector's row at `layer`. */
export async function projectTexts(ctx: MonitorContext, inputs: TextInput[], vector: PersonaVector, layer: number, batchSize = 8): Promise<TokenProjections[]> {
  const row = rowOf(ctx, layer);
  const u = unitRow(vector, row);
  const out: TokenProjections[] = [];
  const progress = new PipelineProgressTracker(ctx, 'monitor', inputs.length);
  for (const batch of chunks(inputs, batchSize)) {
    const captured = await captureRows(ctx.engine, { rows: batch.map((t) => ({ prompt: t.prompt, response: t.response })) }, ctx.signal);
    for (const c of captured) {
      out.push({
        hook: hookName(row),
        layer,
        ids: c.ids,
        tokens: c.tokens,
        promptLength: c.promptLength,
        projections: Array.from(projectTokens(residRow(c, row, ctx.info.hiddenSize), u)),
      });
    }
    progress.advance(batch.length);
  }
  return out;
}

export async function projectText(ctx: MonitorContext, input: TextInput, vector: PersonaVector, layer: number): Promise<TokenProjections> {
  return (await projectTexts(ctx, [input], vector, layer, 1))[0];
}

/** Projection of each prompt's last token (the paper's monitoring signal), batched. */
export async function lastPromptProjections(
  ctx: MonitorContext,
  prompts: PromptInput[],
  vector: PersonaVector,
  layer: number,
  batchSize = 16,
): Promise<number[]> {
  const row = rowOf(ctx, layer);
  const u = unitRow(vector, row);
  const H = ctx.info.hiddenSize;
  const out: number[] = [];
  for (const batch of chunks(prompts, batchSize)) {
    checkCancelled(ctx.signal);
    const captured = await captureRows(ctx.engine, { rows: batch.map((prompt) => ({ prompt })) }, ctx.signal);
    for (const c of captured) {
      const slice = residRow(c, row, H);
      out.push(dot(slice.subarray((c.promptLength - 1) * H, c.promptLength * H), u));
    }
  }
  return out;
}

export interface TurnProjection {
  /** 0-based index of the user turn. */
  turn: number;
  /** Index of that user message in the conversation. */
  messageIndex: number;
  /** Last-prompt-token projection just before the assistant answers this turn. */
  projection: number;
}

/** Drift: for each user turn, the last-prompt-token projection of the conversation up to it. */
export async function conversationDrift(ctx: MonitorContext, messages: ChatMessage[], vector: PersonaVector, layer: number): Promise<TurnProjection[]> {
  const turns = messages.map((m, i) => (m.role === 'user' ? i : -1)).filter((i) => i >= 0);
  const values = await lastPromptProjections(
    ctx,
    turns.map((i) => ({ messages: messages.slice(0, i + 1) })),
    vector,
    layer,
  );
  return turns.map((messageIndex, turn) => ({ turn, messageIndex, projection: values[turn] }));
}
