/** Seeded token sampling: greedy, temperature, top-k and top-p. */

export interface SamplingSettings {
  /** 0 = greedy. */
  temperature: number;
  /** 0 = no top-k cut. */
  topK: number;
  /** 1 = no nucleus cut. */
  topP: number;
}

export const GREEDY: SamplingSettings = { temperature: 0, topK: 0, topP: 1 };

/** A small, fast, seedable generator (mulberry32): same seed, same sequence, on every platform. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/** Picks the next token from one row of logits. */
export function sampleToken(logits: Float32Array, s: SamplingSettings, random: () => number): number {
  if (s.temperature <= 0) return argmax(logits);
  const order = Array.from(logits.keys()).sort((a, b) => logits[b] - logits[a]);
  const k = s.topK > 0 ? Math.min(s.topK, order.length) : order.length;
  const max = logits[order[0]];
  const weights: number[] = [];
  let total = 0;
  for (let i = 0; i < k; i++) {
    const w = Math.exp((logits[order[i]] - max) / s.temperature);
    weights.push(w);
    total += w;
  }
  let keep = k;
  if (s.topP < 1) {
    let cumulative = 0;
    for (let i = 0; i < k; i++) {
      cumulative += weights[i] / total;
      if (cumulative >= s.topP) {
        keep = i + 1;
        break;
      }
    }
    total = weights.slice(0, keep).reduce((a, b) => a + b, 0);
  }
  let r = random() * total;
  for (let i = 0; i < keep; i++) {
    r -= weights[i];
    if (r <= 0) return order[i];
  }
  return order[keep - 1];
}
