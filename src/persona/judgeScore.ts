/**
 * The paper's judge score (docs/ARCHITECTURE.md §4 "Judge"): one completion token; over the tokens that are
 * integers 0–100, score = Σ k·p(k) / Σ p(k); no score when Σ p(k) < 0.25 (e.g. the judge said
 * REFUSAL). A local model gives the full next-token distribution (exact); OpenAI-compatible
 * endpoints give the top-20 logprobs.
 */

export const MIN_SCORE_MASS = 0.25;

export interface JudgeScore {
  /** Expected score 0–100, or null when too little mass fell on integer tokens. */
  score: number | null;
  /** Σ p(k) over integer tokens. */
  mass: number;
}

/** The integer 0–100 a token's text stands for (surrounding whitespace allowed), or null. */
export function parseScoreToken(text: string): number | null {
  const t = text.trim();
  if (!/^\d{1,3}$/.test(t)) return null;
  const k = Number(t);
  return k <= 100 ? k : null;
}

/**
 * Map token id → integer for every vocabulary entry whose decoded text is an integer 0–100.
 * Give it (id, decoded text) pairs, e.g. from the tokenizer's vocabulary.
 */
export function buildScoreTokenMap(decoded: Iterable<[number, string]>): Map<number, number> {
  const m = new Map<number, number>();
  for (const [id, text] of decoded) {
    const k = parseScoreToken(text);
    if (k !== null) m.set(id, k);
  }
  return m;
}

function finish(weighted: number, mass: number, minMass: number): JudgeScore {
  return { score: mass >= minMass && mass > 0 ? weighted / mass : null, mass };
}

/**
 * Score from the full next-token logits: softmax over the whole vocabulary (stable), then the
 * weighted mean over the integer tokens in `scoreTokens` (several ids may stand for one integer).
 */
export function judgeScoreFromLogits(logits: ArrayLike<number>, scoreTokens: Map<number, number>, minMass = MIN_SCORE_MASS): JudgeScore {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  if (!Number.isFinite(max)) return { score: null, mass: 0 };
  let z = 0;
  for (let i = 0; i < logits.length; i++) z += Math.exp(logits[i] - max);
  let mass = 0,
    weighted = 0;
  for (const [id, k] of scoreTokens) {
    if (id < 0 || id >= logits.length) throw new RangeError(`score token id ${id} is outside the vocabulary of ${logits.length}`);
    const p = Math.exp(logits[id] - max) / z;
    mass += p;
    weighted += k * p;
  }
  return finish(weighted, mass, minMass);
}

export interface TopLogprob {
  token: string;
  logprob: number;
}

/**
 * Score from the top logprobs an OpenAI-compatible endpoint returns (`top_logprobs`, up to 20):
 * tokens that parse as integers 0–100 contribute exp(logprob).
 */
export function judgeScoreFromTopLogprobs(top: TopLogprob[], minMass = MIN_SCORE_MASS): JudgeScore {
  let mass = 0,
    weighted = 0;
  for (const { token, logprob } of top) {
    const k = parseScoreToken(token);
    if (k === null || !Number.isFinite(logprob)) continue;
    const p = Math.exp(logprob);
    mass += p;
    weighted += k * p;
  }
  return finish(weighted, mass, minMass);
}
