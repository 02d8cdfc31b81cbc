/**
 * A small deterministic EngineApi for the pipeline's unit tests (no ORT): words are tokens, the
 * residual stream of a token encodes whether it is "happy" or "gloomy", generation answers by the
 * system prompt or the steering sign, and judge prompts get next-token logits peaked on "90" for a
 * happy answer, "10" otherwise (coherence prompts: "80").
 */
import type {
  CallOptions,
  CaptureRequest,
  CaptureResult,
  EngineApi,
  GenerateRequest,
  GenerateResult,
  LoadRequest,
  ModelInfo,
  PromptInput,
  TokenizeResult,
} from '../../../engine/api';
import type { TraitSet } from '../../traitSet';

export const FAKE_INFO: ModelInfo = {
  id: 'fake/model',
  modelType: 'llama',
  backend: 'wasm',
  backendNote: null,
  variant: 'model',
  exportStyle: 'decomposed',
  numLayers: 3,
  hiddenSize: 4,
  vocabSize: 400,
  maxPositions: 100_000,
  residualDtype: 'float32',
  hookPoints: ['embed', 'blocks.0.resid_post', 'blocks.1.resid_post', 'blocks.2.resid_post'],
  hasChatTemplate: true,
};

export const FAKE_TRAIT: TraitSet = {
  name: 'cheerful',
  description: 'Sounds happy.',
  instruction: [
    { pos: 'Be cheerful.', neg: 'Be gloomy.' },
    { pos: 'Stay cheerful.', neg: 'Stay gloomy.' },
  ],
  extraction_questions: ['q one?', 'q two?', 'q three?'],
  evaluation_questions: ['e one?', 'e two?'],
  eval_prompt: 'Rate the answer. Q: {question} A: {answer}',
};

export class FakeEngine implements EngineApi {
  readonly vocab: string[] = ['<pad>', ...Array.from({ length: 101 }, (_, i) => String(i))];
  private readonly ids = new Map(this.vocab.map((w, i) => [w, i]));
  calls = { generate: 0, generateRows: 0, capture: 0, captureRows: 0 };
  /** Generated rows per steering position mode ("response" when the request names none). */
  rowsByPositions: Record<string, number> = {};

  async load(_r: LoadRequest): Promise<ModelInfo> {
    return FAKE_INFO;
  }
  async unload(): Promise<void> {}

  private id(word: string): number {
    let id = this.ids.get(word);
    if (id === undefined) {
      id = this.vocab.length % FAKE_INFO.vocabSize;
      this.vocab.push(word);
      this.ids.set(word, id);
    }
    return id;
  }

  private words(text: string): string[] {
    return text.split(/\s+/).filter(Boolean);
  }

  private promptWords(p: PromptInput): string[] {
    if ('ids' in p) return p.ids.map((i) => this.vocab[i] ?? '?');
    if ('text' in p) return this.words(p.text);
    return [...p.messages.flatMap((m) => [`<${m.role}>`, ...this.words(m.content)]), '<assistant>'];
  }

  async tokenize(p: PromptInput): Promise<TokenizeResult> {
    if ('ids' in p) return { ids: p.ids, tokens: p.ids.map((i) => this.vocab[i] ?? '') };
    const w = this.promptWords(p);
    return { ids: w.map((x) => this.id(x)), tokens: w };
  }

  async generate(request: GenerateRequest, _onEvent?: unknown, { signal }: CallOptions = {}): Promise<GenerateResult> {
    this.calls.generate++;
    this.calls.generateRows += request.rows.length;
    const mode = request.positions ?? 'response';
    this.rowsByPositions[mode] = (this.rowsByPositions[mode] ?? 0) + request.rows.length;
    await new Promise((r) => setTimeout(r, 1));
    const cancelled = signal?.aborted ?? false;
    return {
      rows: request.rows.map((row) => {
        const system = 'messages' in row.prompt ? (row.prompt.messages.find((m) => m.role === 'system')?.content ?? '') : '';
        const alpha = (row.steering ?? []).reduce((a, t) => a + t.alpha, 0);
        let text =
          alpha > 0 ? 'happy happy day' : alpha < 0 ? 'gloomy day' : /cheerful/.test(system) ? 'happy day' : /gloomy/.test(system) ? 'gloomy day' : 'plain day';
        if (request.sampling && request.sampling.temperature > 0) text += ` s${row.seed ?? request.seed ?? 0}`;
        const tokenIds = this.words(text).map((w) => this.id(w));
        return { promptIds: [], tokenIds, text: cancelled ? '' : text, finish: cancelled ? 'cancelled' : 'stop' };
      }),
    };
  }

  /** Residual of one word at row r: [happy·(r+1), gloomy·(r+1), 1, small hash noise]. */
  private resid(word: string, r: number): number[] {
    let h = 0;
    for (const c of word) h = (h * 31 + c.charCodeAt(0)) % 97;
    return [word === 'happy' ? r + 1 : 0, word === 'gloomy' ? r + 1 : 0, 1, h / 970];
  }

  async capture(request: CaptureRequest): Promise<CaptureResult> {
    this.calls.capture++;
    this.calls.captureRows += request.rows.length;
    const L = FAKE_INFO.numLayers,
      H = FAKE_INFO.hiddenSize;
    return {
      numRows: L + 1,
      hiddenSize: H,
      rows: request.rows.map((row) => {
        const prompt = this.promptWords(row.prompt);
        const words = [...prompt, ...this.words(row.response ?? '')];
        const T = words.length;
        const resid = new Float32Array(request.includeResid === false ? 0 : (L + 1) * T * H);
        if (resid.length) for (let r = 0; r <= L; r++) words.forEach((w, t) => resid.set(this.resid(w, r), (r * T + t) * H));
        let logits: Float32Array | undefined;
        if (request.includeLogits === 'last') {
          logits = new Float32Array(FAKE_INFO.vocabSize).fill(-20);
          const text = prompt.join(' ');
          const k = /coherent/.test(text) ? 80 : /A: .*happy/.test(text) ? 90 : 10;
          logits[this.id(String(k))] = 10;
        }
        return { ids: words.map((w) => this.id(w)), tokens: words, promptLength: prompt.length, resid, logits };
      }),
    };
  }
}
