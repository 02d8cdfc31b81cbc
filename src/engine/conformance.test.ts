/**
 * Conformance corpus (src/engine/testing/conformanceCases.ts): every exporter family × variant is
 * loaded through the real loader and instrumentation (Node, onnxruntime-web WASM) and checked.
 *
 * Replicas with torch references (tools/conformance/build.py): residual rows (row 0 = embedding
 * output, row l+1 = blocks.{l}.resid_post, before the final norm) and logits equal torch's for a
 * fixed prompt, unsteered and steered (the reference adds the vector to block 0's output at every
 * position); decoding the last tokens with the KV cache gives torch's rows and logits decoded the
 * same way; greedy decoding with the cache gives torch's tokens.
 *
 * Every case, the builder's real graphs included: the steered pass differs from the unsteered one
 * by exactly the vector at the steered block's row and not at all before it; KV decode equals the
 * engine's own full recompute (except where the export's numbers depend on how the tokens are split
 * into passes: dynamic q8 quantizes each pass's activations as a whole).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureBatch } from './captureBatch';
import { forward, KvCache, type ForwardOutput } from './forward';
import { loadModel, type LoadedModel } from './loadModel';
import { folderFetcher } from './nodeFolderFetcher';
import { configureRuntime } from './ort';
import { argmaxOf, maxAbs, maxAbsDiff } from './testing/compare';
import { CONFORMANCE_CASES, caseDir, caseName, conformanceTable, type ConformanceCase } from './testing/conformanceCases';
import { seededFloats } from './testing/models';
import { REPO_ROOT } from './testing/paths';

interface Reference {
  ids: number[];
  steerLayer: number;
  greedy: number[];
  /** The cached reference prefilled all but this many tokens, then decoded one at a time. */
  cachedSteps: number;
  tensors: Record<string, { shape: number[]; data: Float32Array }>;
}

/** The F32 tensors of a safetensors file (what tools/conformance/build.py writes). */
function readF32Safetensors(bytes: Buffer): Reference['tensors'] {
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const tensors: Reference['tensors'] = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (t.dtype !== 'F32') throw new Error(`reference tensor ${name} is ${t.dtype}, expected F32`);
    const [begin, end] = t.data_offsets.map((o) => 8 + headerLength + o);
    tensors[name] = { shape: t.shape, data: new Float32Array(bytes.buffer.slice(bytes.byteOffset + begin, bytes.byteOffset + end)) };
  }
  return tensors;
}

function readReference(c: ConformanceCase): Reference {
  const dir = caseDir(c);
  const meta = JSON.parse(readFileSync(resolve(dir, `reference_${c.variant}.json`), 'utf8'));
  const tensors = readF32Safetensors(readFileSync(resolve(dir, `reference_${c.variant}.safetensors`)));
  return { ids: meta.ids, steerLayer: meta.steer_layer, greedy: meta.greedy, cachedSteps: meta.cached_steps, tensors };
}

/** Rows [L+1, T, H] of a batch-of-one resid readout restricted to positions [from, to). */
function rowsAt(resid: Float32Array, rows: number, T: number, H: number, from: number, to: number): Float32Array {
  const out = new Float32Array(rows * (to - from) * H);
  for (let r = 0; r < rows; r++) out.set(resid.subarray((r * T + from) * H, (r * T + to) * H), r * (to - from) * H);
  return out;
}

const ones = (n: number) => new Array<number>(n).fill(1);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

async function fullPass(model: LoadedModel, ids: number[], steer?: Float32Array): Promise<ForwardOutput> {
  return forward(model, {
    ids: [ids],
    attentionMask: [ones(ids.length)],
    positionIds: [range(0, ids.length)],
    past: KvCache.empty(model, 1),
    steer,
    readouts: ['resid', 'logits'],
  });
}

/** Prefill all but the last `steps` tokens, then one token at a time; rows and logits of every position. */
async function cachedPass(model: LoadedModel, ids: number[], steps: number): Promise<{ resid: Float32Array; logits: Float32Array }> {
  const { numLayers: L, hiddenSize: H } = model.info;
  const T = ids.length;
  const P = T - steps;
  const V = model.config.vocabSize;
  const resid = new Float32Array((L + 1) * T * H);
  const logits = new Float32Array(T * V);
  let past = KvCache.empty(model, 1);
  for (let from = 0; from < T;) {
    const to = from === 0 ? P : from + 1;
    const out = await forward(model, {
      ids: [ids.slice(from, to)],
      attentionMask: [ones(to)],
      positionIds: [range(from, to)],
      past,
      readouts: ['resid', 'logits'],
    });
    const S = to - from;
    for (let r = 0; r <= L; r++) resid.set(out.readouts.resid!.subarray(r * S * H, (r + 1) * S * H), (r * T + from) * H);
    logits.set(out.readouts.logits!, from * V);
    past = out.present;
    from = to;
  }
  return { resid, logits };
}

/** Tolerance relative to the reference's magnitude: float32 summation order differs between torch and ORT. */
function expectClose(got: Float32Array, ref: Float32Array, what: string, rel = 1e-5): void {
  const scale = Math.max(1, maxAbs(ref));
  const diff = maxAbsDiff(got, ref);
  expect(diff, `${what}: max |diff| ${diff.toExponential(2)} at scale ${scale.toFixed(2)}`).toBeLessThanOrEqual(rel * scale);
}

describe('README conformance table', () => {
  it('is exactly the table the case list renders (regenerate: npx tsx tools/conformance/table.ts)', () => {
    const readme = readFileSync(resolve(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(conformanceTable());
  });
});

for (const c of CONFORMANCE_CASES) {
  const name = `${caseName(c)} (${c.family}, ${c.exporter})`;
  if (c.todo) {
    describe(name, () => it.todo(c.todo!));
    continue;
  }
  describe(name, () => {
    let model: LoadedModel;
    let ref: Reference | null = null;
    beforeAll(async () => {
      configureRuntime({ numThreads: 1 });
      model = await loadModel(folderFetcher(caseDir(c)), { backend: 'wasm', variant: c.variant });
      if (c.reference === 'torch') ref = readReference(c);
    });
    afterAll(async () => {
      await model?.session.release();
    });

    const promptOf = () => ref?.ids ?? [1, 15043, 29892, 920, 526, 366, 3];
    /** fp16 graphs round the stream to 11 significant bits. */
    const tolerance = () => (model.info.residualDtype === 'float32' ? 1e-5 : 4e-3);
    /** Against torch's float32: the case's own tolerance where the export computes in float16. */
    const refTolerance = () => c.tolerance ?? 1e-5;

    if (c.reference === 'torch') {
      it('gives torch’s residual rows and logits, unsteered and steered', async () => {
        const r = ref!;
        const { numLayers: L, hiddenSize: H } = model.info;
        expect(L + 1).toBe(r.tensors.resid.shape[0]);
        expect(H).toBe(r.tensors.resid.shape[2]);
        const plain = await fullPass(model, r.ids);
        expectClose(plain.readouts.resid!, r.tensors.resid.data, 'resid', refTolerance());
        expectClose(plain.readouts.logits!, r.tensors.logits.data, 'logits', refTolerance());

        const steer = new Float32Array(L * H);
        steer.set(r.tensors.steer_vector.data, r.steerLayer * H);
        const steered = await fullPass(model, r.ids, steer);
        expectClose(steered.readouts.resid!, r.tensors.resid_steered.data, 'steered resid', refTolerance());
        expectClose(steered.readouts.logits!, r.tensors.logits_steered.data, 'steered logits', refTolerance());
        // The steering must matter, or the comparison above proves nothing about where it lands.
        expect(maxAbsDiff(steered.readouts.logits!, plain.readouts.logits!)).toBeGreaterThan(0.1);
      });

      it('gives torch’s rows and logits decoding the last tokens with the KV cache', async () => {
        const r = ref!;
        const cached = await cachedPass(model, r.ids, r.cachedSteps);
        expectClose(cached.resid, r.tensors.resid_cached.data, 'cached resid', refTolerance());
        expectClose(cached.logits, r.tensors.logits_cached.data, 'cached logits', refTolerance());
      });

      it('decodes torch’s greedy tokens with the KV cache', async () => {
        const r = ref!;
        const V = model.config.vocabSize;
        let out = await fullPass(model, r.ids);
        let past = out.present;
        const tokens: number[] = [];
        let next = argmaxOf(out.readouts.logits!.subarray((r.ids.length - 1) * V));
        for (let step = 0; step < r.greedy.length; step++) {
          tokens.push(next);
          if (step === r.greedy.length - 1) break;
          const n = r.ids.length + tokens.length;
          out = await forward(model, { ids: [[next]], attentionMask: [ones(n)], positionIds: [[n - 1]], past, readouts: ['logits'] });
          past = out.present;
          next = argmaxOf(out.readouts.logits!);
        }
        expect(tokens).toEqual(r.greedy);
      });
    }

    it('adds exactly the steering vector at the steered block and nowhere before it', async () => {
      const { numLayers: L, hiddenSize: H } = model.info;
      const ids = promptOf();
      const T = ids.length;
      const plain = await fullPass(model, ids);
      for (const layer of [0, L - 1]) {
        const v = seededFloats(H, 7 + layer);
        const steer = new Float32Array(L * H);
        steer.set(v, layer * H);
        const steered = await fullPass(model, ids, steer);
        const a = plain.readouts.resid!;
        const b = steered.readouts.resid!;
        for (let row = 0; row <= layer; row++) {
          expect(
            maxAbsDiff(
              rowsAt(a, L + 1, T, H, 0, T).subarray(row * T * H, (row + 1) * T * H),
              rowsAt(b, L + 1, T, H, 0, T).subarray(row * T * H, (row + 1) * T * H),
            ),
            `row ${row}`,
          ).toBe(0);
        }
        const row = layer + 1;
        const scale = Math.max(1, maxAbs(a.subarray(row * T * H, (row + 1) * T * H)));
        for (let t = 0; t < T; t++) {
          const delta = new Float32Array(H);
          for (let h = 0; h < H; h++) delta[h] = b[(row * T + t) * H + h] - a[(row * T + t) * H + h];
          expect(maxAbsDiff(delta, v), `block ${layer} position ${t}`).toBeLessThanOrEqual(tolerance() * 4 * scale);
        }
      }
    });

    if (!c.chunkDependent) {
      it('gives every row of a batch of unequal lengths the rows and logits it has alone', async () => {
        const { numLayers: L, hiddenSize: H } = model.info;
        const ids = promptOf();
        const rows = [ids, ids.slice(0, 4), ids.slice(2)];
        const batch = await captureBatch(model, rows, { logits: true });
        for (let b = 0; b < rows.length; b++) {
          const alone = await fullPass(model, rows[b]);
          const T = rows[b].length;
          expectClose(batch[b].resid, rowsAt(alone.readouts.resid!, L + 1, T, H, 0, T), `row ${b} resid`, tolerance());
          expectClose(batch[b].logits!, alone.readouts.logits!, `row ${b} logits`, tolerance());
        }
      });
    }

    if (c.chunkDependent) {
      it('gives other numbers with the KV cache than in one full pass, as torch does (the table says so)', async () => {
        const r = ref!;
        const cached = await cachedPass(model, r.ids, r.cachedSteps);
        const full = await fullPass(model, r.ids);
        expect(maxAbsDiff(r.tensors.logits_cached.data, r.tensors.logits.data)).toBeGreaterThan(1e-3);
        expect(maxAbsDiff(cached.logits, full.readouts.logits!)).toBeGreaterThan(1e-3);
      });
    } else
      it('gives the same rows and logits with the KV cache as the full pass', async () => {
        const { numLayers: L, hiddenSize: H } = model.info;
        const ids = promptOf();
        const full = await fullPass(model, ids);
        const cached = await cachedPass(model, ids, 3);
        expectClose(cached.resid, rowsAt(full.readouts.resid!, L + 1, ids.length, H, 0, ids.length), 'cached resid', tolerance());
        expectClose(cached.logits, full.readouts.logits!, 'cached logits', tolerance());
      });
  });
}
