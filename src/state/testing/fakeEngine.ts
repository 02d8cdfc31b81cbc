/** A fake engine for store tests: deterministic text that reveals steering, residuals from ids. */
import type {
  CallOptions,
  CaptureRequest,
  CaptureResult,
  GenerateEvent,
  GenerateRequest,
  GenerateResult,
  LoadRequest,
  ModelInfo,
  PromptInput,
} from '../../engine/api';
import { EngineError } from '../../engine/errors';
import type { LabEngine } from '../engine';
import type { VectorEntry } from '../types';

export interface FakeEngineLog {
  loads: LoadRequest[];
  generates: GenerateRequest[];
  captures: CaptureRequest[];
  /** Indexes (into `generates`) of the generations whose signal was aborted while they ran. */
  cancels: number[];
}

export function fakeInfo(numLayers = 4, hiddenSize = 8): ModelInfo {
  return {
    id: 'fake/model',
    modelType: 'llama',
    backend: 'wasm',
    backendNote: null,
    variant: 'model',
    exportStyle: 'decomposed',
    numLayers,
    hiddenSize,
    vocabSize: 100,
    maxPositions: 256,
    residualDtype: 'float32',
    hookPoints: ['embed', ...Array.from({ length: numLayers }, (_, l) => `blocks.${l}.resid_post` as const)],
    hasChatTemplate: true,
  };
}

function promptText(p: PromptInput): string {
  if ('text' in p) return p.text;
  return 'messages' in p ? p.messages.map((m) => `${m.role}:${m.content}`).join('|') : p.ids.join(',');
}

/**
 * generate: each row's text is "reply to <last user message>" plus " [α=…]" for steered rows and
 * "#seed" — so tests can tell rows apart. `gate` (when set) holds generation until released.
 */
export function fakeEngine(info = fakeInfo()): LabEngine & { log: FakeEngineLog; gate: Promise<void> | null } {
  const log: FakeEngineLog = { loads: [], generates: [], captures: [], cancels: [] };
  const engine = {
    log,
    gate: null as Promise<void> | null,
    async load(request: LoadRequest) {
      log.loads.push(request);
      if (request.source.kind === 'hub' && request.source.id === 'missing/model')
        throw new EngineError('not_found', 'missing/model has no config.json', 'Check the id.');
      return info;
    },
    async unload() {},
    async tokenize(prompt: PromptInput) {
      const ids = promptText(prompt)
        .split('')
        .map((c) => c.charCodeAt(0) % 100);
      return { ids, tokens: ids.map(String) };
    },
    async capture(request: CaptureRequest): Promise<CaptureResult> {
      log.captures.push(request);
      const L = info.numLayers,
        H = info.hiddenSize;
      return {
        numRows: L + 1,
        hiddenSize: H,
        rows: request.rows.map((r) => {
          const p = (promptText(r.prompt).length % 7) + 2;
          const words = (r.response ?? '').split(/\s+/).filter(Boolean);
          const T = p + words.length;
          const resid = new Float32Array((L + 1) * T * H);
          for (let row = 0; row <= L; row++)
            for (let t = 0; t < T; t++)
              for (let h = 0; h < H; h++) {
                const w = t >= p ? words[t - p] : '';
                resid[(row * T + t) * H + h] = (row + 1) * (Math.sin(t + h) + (w.startsWith('happy') && h === 0 ? 5 : 0));
              }
          return { ids: Array.from({ length: T }, (_, i) => i), tokens: [...Array.from({ length: p }, () => 'p'), ...words], promptLength: p, resid };
        }),
      };
    },
    async generate(request: GenerateRequest, onEvent?: (e: GenerateEvent) => void, { signal }: CallOptions = {}): Promise<GenerateResult> {
      const index = log.generates.push(request) - 1;
      const onAbort = () => log.cancels.push(index);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (engine.gate) await engine.gate;
      signal?.removeEventListener('abort', onAbort);
      const wasCancelled = signal?.aborted ?? false;
      const rows = request.rows.map((r) => {
        const msgs = 'messages' in r.prompt ? r.prompt.messages : [];
        const user = [...msgs].reverse().find((m) => m.role === 'user')?.content ?? '';
        const steer = r.steering?.length ? ` [${r.steering.map((s) => `α=${s.alpha}@${s.layer}`).join(',')}]` : '';
        return `reply to ${user}${steer} #${request.seed ?? 0}`;
      });
      onEvent?.({ type: 'token', step: 0, tokens: rows.map(() => 1), deltas: rows.map((t) => t.slice(0, 5)) });
      return {
        rows: rows.map((text) => ({
          promptIds: [1],
          tokenIds: [1, 2],
          text: wasCancelled ? text.slice(0, 5) : text,
          finish: wasCancelled ? 'cancelled' : 'stop',
        })),
      };
    },
  };
  return engine;
}

/**
 * A vector of the fake model for store tests: `value(i)` fills its rows × hidden values; the other
 * fields are fixed (layer 2, typical norms 10) unless `fields` says otherwise.
 */
export function fakeVector(trait: string, value: (i: number) => number, fields: Partial<VectorEntry> = {}, rows = 5, hidden = 8): VectorEntry {
  return {
    trait,
    modelId: 'fake/model',
    rows,
    hidden,
    data: Float32Array.from({ length: rows * hidden }, (_, i) => value(i)),
    layer: 2,
    stats: null,
    typicalNorms: Array(rows).fill(10),
    samples: { pos: 1, neg: 1 },
    createdAt: 0,
    ...fields,
  };
}
