/**
 * Prefix reuse: the key/value caches of recent generations, one row each, kept with the token ids
 * fed at each position and the steering that touched each position. A new generation whose rows
 * start with the same ids under the same steering starts from those caches and runs only the rest
 * (at least its last prompt token, whose logits give the first new token).
 *
 * Which positions a pass steers follows steering.ts: `response` steers the newest position of each
 * pass (at a prefill, the last prompt token only), `prompt` every prompt position and no generated
 * one, `all` every position. So in `response` mode a slider move leaves every prompt position but
 * the last unchanged, and a chat turn's earlier prompt is reusable up to its last token.
 *
 * Entries are copies in plain arrays (downloaded from the GPU under WebGPU), never the tensors a
 * generation feeds: a reused prefix becomes new tensors, so disposing or replacing an entry can
 * never free a buffer a running generation holds. Only graphs whose caches are all attention
 * key/values [batch, heads, positions, head size] take part (conv and recurrent states cannot be
 * cut at a position).
 */
import { cacheSpecs, KvCache, type SessionDeclarations } from './caches';
import { ort, type Tensor } from './ort';
import type { PositionMode } from './steering';

/** What was fed at each cached position of one row: its token id and the key of the steering added there ('' = none). */
export interface RowHistory {
  ids: number[];
  steer: string[];
}

type CacheArray = Float32Array | Uint16Array | Float64Array | Int32Array | Uint8Array | BigInt64Array;

interface Entry extends RowHistory {
  /** By cache input: [heads, positions, head size] of this row. */
  caches: Record<string, { dtype: ort.Tensor.Type; heads: number; headSize: number; data: CacheArray }>;
}

type Model = { session: SessionDeclarations };

/** A key that is equal exactly when the row's [L, H] steering values are equal ('' for none). */
export function steeringKey(row: Float32Array | undefined): string {
  if (!row) return '';
  const bits = new Uint32Array(row.buffer, row.byteOffset, row.length);
  const parts: string[] = [];
  for (let i = 0; i < bits.length; i++) if (bits[i] !== 0) parts.push(`${i}:${bits[i].toString(36)}`);
  return parts.join(',');
}

/** The steering keys a generation's prompt positions get under a position mode (see the header). */
export function promptSteering(mode: PositionMode, length: number, key: string): string[] {
  return Array.from({ length }, (_, i) => (mode !== 'response' || i === length - 1 ? key : ''));
}

/** The steering key of a generated (decode) position under a position mode. */
export function decodeSteering(mode: PositionMode, key: string): string {
  return mode === 'prompt' ? '' : key;
}

export class PrefixStore {
  private entries: Entry[] = [];
  /**
   * Set when this graph refused a pass of several tokens after a cache (some fused exports build
   * their attention mask for one new token or a whole prompt only): then only a one-token
   * continuation (a slider move) is reused.
   */
  oneTokenOnly = false;

  /** `capacity` rows are kept, the newest first. */
  constructor(private readonly capacity = 2) {}

  /** Whether this graph's caches can be cut at a position (attention key/values only). */
  static supports(model: Model): boolean {
    const specs = cacheSpecs(model.session);
    return specs.length > 0 && specs.every((s) => s.kind === 'key_value' && s.shape.length === 4);
  }

  get size(): number {
    return this.entries.length;
  }

  clear(): void {
    this.entries = [];
    this.oneTokenOnly = false;
  }

  /**
   * The longest prefix every row can reuse — ids and steering equal at each position, and short of
   * each row's last prompt token — as caches for these rows; null when there is none. Rows must be
   * of equal length (no padding inside the reused columns).
   */
  reuse(model: Model, rows: RowHistory[]): { past: KvCache; length: number } | null {
    if (!this.entries.length || !PrefixStore.supports(model)) return null;
    const n = rows[0].ids.length;
    if (rows.some((r) => r.ids.length !== n)) return null;
    const picks = rows.map((r) => {
      let best: { entry: Entry; length: number } | null = null;
      for (const e of this.entries) {
        const limit = Math.min(e.ids.length, n - 1);
        let m = 0;
        while (m < limit && e.ids[m] === r.ids[m] && e.steer[m] === r.steer[m]) m++;
        if (!best || m > best.length) best = { entry: e, length: m };
      }
      return best!;
    });
    const P = Math.min(...picks.map((p) => p.length));
    if (P < 1 || (this.oneTokenOnly && P < n - 1)) return null;
    const tensors: Record<string, Tensor> = {};
    for (const spec of cacheSpecs(model.session)) {
      const first = picks[0].entry.caches[spec.past];
      if (!first) return null;
      const { heads, headSize, dtype } = first;
      const per = heads * P * headSize;
      const out = new (first.data.constructor as new (n: number) => CacheArray)(rows.length * per);
      picks.forEach(({ entry }, b) => {
        const c = entry.caches[spec.past];
        const T = c.data.length / (heads * headSize);
        for (let h = 0; h < heads; h++) {
          (out as Float32Array).set((c.data as Float32Array).subarray(h * T * headSize, (h * T + P) * headSize), b * per + h * P * headSize);
        }
      });
      tensors[spec.past] = new ort.Tensor(dtype, out as Float32Array, [rows.length, heads, P, headSize]);
    }
    return { past: new KvCache(tensors, P), length: P };
  }

  /**
   * Keeps each row of `cache` (as fed: `rows[b]` holds what was fed at its positions, from column
   * 0, with no padding before them). Reads the tensors (a download under WebGPU); the caller still
   * owns and disposes them.
   */
  async keep(model: Model, cache: KvCache, rows: RowHistory[]): Promise<void> {
    // large batches (extraction rollouts) are not what a next call continues; their download would be waste
    if (rows.length > 2 * this.capacity || !PrefixStore.supports(model)) return;
    const read: Record<string, { t: Tensor; data: CacheArray }> = {};
    for (const spec of cacheSpecs(model.session)) {
      const t = cache.tensors[spec.past];
      if (!t || t.dims.length !== 4 || t.dims[0] !== rows.length || t.dims[2] !== cache.length) return;
      read[spec.past] = { t, data: (await t.getData()) as CacheArray };
    }
    const fresh: Entry[] = rows.map((r, b) => {
      const keep = Math.min(r.ids.length, cache.length);
      const caches: Entry['caches'] = {};
      for (const [name, { t, data }] of Object.entries(read)) {
        const [, heads, T, headSize] = t.dims;
        const out = new (data.constructor as new (n: number) => CacheArray)(heads * keep * headSize);
        for (let h = 0; h < heads; h++) {
          const from = (b * heads + h) * T * headSize;
          (out as Float32Array).set((data as Float32Array).subarray(from, from + keep * headSize), h * keep * headSize);
        }
        caches[name] = { dtype: t.type, heads, headSize, data: out };
      }
      return { ids: r.ids.slice(0, keep), steer: r.steer.slice(0, keep), caches };
    });
    // the last rows first: in the lab's chat the steered reply (the last row) is what the next turn continues
    this.entries = [...fresh.reverse(), ...this.entries].slice(0, this.capacity);
  }
}
