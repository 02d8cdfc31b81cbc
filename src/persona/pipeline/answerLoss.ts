/**
 * Cross-entropy per answer token of whole conversations under the loaded model, read from the engine's
 * logits: the measure tools/demo-model/build.py reports (eval_loss), computed through the lab's own engine.
 * The answer tokens are the response and the end-of-turn token after it, each predicted from all before it.
 */
import type { EngineApi } from '../../engine/api';
import { captureRows } from './engineCalls';
import { messagesOf } from './rollouts';

export interface Conversation {
  /** null: no system turn. */
  system: string | null;
  user: string;
  assistant: string;
}

export interface AnswerLoss {
  /** Mean negative log-likelihood (nats) over every answer token of every conversation. */
  lossPerToken: number;
  tokens: number;
}

/** −log softmax(logits)[target], computed stably. */
function nll(logits: Float32Array, target: number): number {
  let max = -Infinity;
  for (const x of logits) max = Math.max(max, x);
  let sum = 0;
  for (const x of logits) sum += Math.exp(x - max);
  return max + Math.log(sum) - logits[target];
}

export async function answerLoss(engine: EngineApi, conversations: Conversation[], endOfTurn: string, batch = 32): Promise<AnswerLoss> {
  let total = 0;
  let tokens = 0;
  for (let i = 0; i < conversations.length; i += batch) {
    const rows = await captureRows(engine, {
      rows: conversations.slice(i, i + batch).map((c) => ({ prompt: { messages: messagesOf(c) }, response: c.assistant + endOfTurn })),
      includeLogits: true,
      includeResid: false,
    });
    for (const row of rows) {
      const V = row.logits!.length / row.ids.length;
      for (let p = row.promptLength; p < row.ids.length; p++) total += nll(row.logits!.subarray((p - 1) * V, p * V), row.ids[p]);
      tokens += row.ids.length - row.promptLength;
    }
  }
  if (tokens === 0) throw new Error('answerLoss: no answer tokens to score (empty conversation list or empty answers)');
  return { lossPerToken: total / tokens, tokens };
}
