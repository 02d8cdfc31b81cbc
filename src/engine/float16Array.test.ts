/**
 * Browsers with a native Float16Array make onnxruntime-web return float16 data as one (Node 20 has
 * none, so ORT hands back Uint16Array bit patterns there). This file installs a minimal
 * Float16Array before ORT creates its first tensor — a DataView over 16-bit patterns, which is all
 * ORT's WASM backend uses (it allocates `new Float16Array(n)` and copies the output bytes into its
 * buffer) — and checks that the fused fixture's float16 logits then still convert exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from './engine';
import { forward, KvCache } from './forward';
import { ort, toFloat32 } from './ort';
import { loadLocalEngine } from './testing/models';
import { FUSED_FIXTURE_DIR } from './testing/paths';

const DataViewBase = DataView as new (buffer: ArrayBuffer, byteOffset?: number, byteLength?: number) => DataView<ArrayBuffer>;

class MinimalFloat16Array extends DataViewBase {
  static readonly BYTES_PER_ELEMENT = 2;

  constructor(source: number | ArrayBufferLike, byteOffset = 0, length?: number) {
    if (typeof source === 'number') super(new ArrayBuffer(2 * source));
    else super(source as ArrayBuffer, byteOffset, 2 * (length ?? (source.byteLength - byteOffset) / 2));
  }

  get length(): number {
    return this.byteLength / 2;
  }

  static from(): never {
    throw new Error('not used by these tests');
  }
}

(globalThis as { Float16Array?: unknown }).Float16Array ??= MinimalFloat16Array;
const Float16 = (globalThis as unknown as { Float16Array: new (...args: never[]) => object }).Float16Array;

describe('float16 data arriving as a Float16Array', () => {
  let engine: Engine;
  beforeAll(async () => {
    ({ engine } = await loadLocalEngine(FUSED_FIXTURE_DIR));
  });
  afterAll(() => engine?.unload());

  it('toFloat32 reads its bit patterns', async () => {
    const t = new ort.Tensor('float16', Uint16Array.from([0x3c00, 0xc000, 0x3555, 0x7bff]), [4]);
    expect(t.data).toBeInstanceOf(Float16);
    expect(Array.from(await toFloat32(t))).toEqual([1, -2, 0.333251953125, 65504]);
  });

  it("the fused fixture's float16 logits convert: their last row equals the graph's float32 logits_last", async () => {
    const model = engine.loaded;
    expect(model.info.logitsDtype).toBe('float16');
    const ids = [[1, 15043, 29892, 920]];
    const out = await forward(model, { ids, attentionMask: [[1, 1, 1, 1]], past: KvCache.empty(model, 1), readouts: ['logits', 'logitsLast'] });
    out.present.dispose();
    const V = out.readouts.logitsLast!.length;
    const lastRow = out.readouts.logits!.subarray(3 * V);
    expect(lastRow.length).toBe(V);
    expect(Array.from(lastRow)).toEqual(Array.from(out.readouts.logitsLast!));
    // And the capture API gives the same numbers.
    const captured = await engine.capture({ rows: [{ prompt: { ids: ids[0] } }], includeLogits: true, includeResid: false });
    expect(Array.from(captured.rows[0].logits!)).toEqual(Array.from(out.readouts.logits!));
  });
});
