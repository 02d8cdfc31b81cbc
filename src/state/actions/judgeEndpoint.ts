/**
 * The judge endpoint in the lab: settings, the API key (held in this module's memory only: never in
 * a store, storage, link, archive, log or URL; a reload forgets it), Test connection, the judge the
 * extraction uses (lexicon / loaded model / endpoint / none), a run paused while the endpoint is
 * unreachable, and trait sets written from a description.
 */
import {
  checkEndpoint,
  isSampledJudgeId,
  lexiconJudge,
  noJudge,
  openAiJudge,
  PipelineError,
  selfJudge,
  type EndpointConfig,
  type EndpointError,
  type Judge,
} from '../../persona/pipeline';
import { endpointWriter, generateTraitSet, modelWriter, type GenerationProgress, type TraitDescription } from '../../persona/traitGeneration';
import { exportTraitSet, type TraitSet } from '../../persona/traitSet';
import { policyAllows } from '../connectPolicy';
import { getEngine, toUiError } from '../engine';
import {
  ENDPOINT_PRESETS,
  ENDPOINT_SETTINGS_KEY,
  endpointIdentity,
  getJudgeEndpoint,
  initialJudgeEndpoint,
  judgeEndpointStore,
  setJudgeEndpoint,
  type JudgeEndpointState,
  type LabJudgeChoice,
} from '../judgeEndpointStore';
import { getLab } from '../store';

let apiKey = '';

export function setApiKey(key: string): void {
  apiKey = key.trim();
  setJudgeEndpoint({ keySet: apiKey !== '', report: null, checkedFor: null });
}

/** The endpoint's configuration with the key, for requests (never store what this returns). */
export function endpointConfig(): EndpointConfig {
  const s = getJudgeEndpoint();
  return { baseUrl: s.baseUrl.trim(), model: s.model.trim(), apiKey: apiKey || undefined };
}

type Remembered = Pick<JudgeEndpointState, 'preset' | 'baseUrl' | 'model' | 'extractJudge'>;

function remember(): void {
  const s = getJudgeEndpoint();
  const doc: Remembered = { preset: s.preset, baseUrl: s.baseUrl, model: s.model, extractJudge: s.extractJudge };
  try {
    globalThis.localStorage?.setItem(ENDPOINT_SETTINGS_KEY, JSON.stringify(doc));
  } catch {
    // storage unavailable or full: the settings stay for this session
  }
}

export function setEndpointFields(patch: Partial<Pick<JudgeEndpointState, 'baseUrl' | 'model'>>): void {
  setJudgeEndpoint((s) => ({ ...patch, preset: patch.baseUrl !== undefined && patch.baseUrl !== s.baseUrl ? 'custom' : s.preset }));
  remember();
}

export function choosePreset(id: string): void {
  const p = ENDPOINT_PRESETS.find((x) => x.id === id);
  if (!p) return;
  setJudgeEndpoint((s) => ({ preset: p.id, baseUrl: p.id === 'custom' ? s.baseUrl : p.baseUrl, model: p.id === 'custom' ? s.model : p.model }));
  remember();
}

export function setExtractJudge(choice: LabJudgeChoice): void {
  setJudgeEndpoint({ extractJudge: choice });
  remember();
}

/**
 * When this copy of the lab may not connect to the endpoint at all (the production build's
 * Content-Security-Policy names the hosts it may reach): what to say instead of a bare network error.
 */
export function policyProblem(baseUrl: string): { message: string; hint: string } | null {
  let origin: string;
  try {
    origin = new URL(baseUrl).origin;
  } catch {
    return null; // checkEndpoint names a malformed URL
  }
  if (policyAllows(origin)) return null;
  return {
    message: `this copy of the lab may not connect to ${origin}: its Content-Security-Policy allows only the Hub, api.openai.com and servers on this machine`,
    hint: `Run the server on this machine (http://localhost:…), or build the lab with PERSONA_LAB_CONNECT_SRC="${origin}" npm run build.`,
  };
}

/** Test connection: what works, and when something fails, why and what to do. */
export async function testConnection(): Promise<void> {
  const id = endpointIdentity(getJudgeEndpoint());
  const blocked = policyProblem(getJudgeEndpoint().baseUrl.trim());
  if (blocked) {
    setJudgeEndpoint({
      report: { ok: false, models: null, scoring: null, topLogprobs: 0, lines: [{ ok: false, text: blocked.message }], problem: { kind: 'url', ...blocked } },
      checkedFor: id,
    });
    return;
  }
  setJudgeEndpoint({ checking: true });
  try {
    const report = await checkEndpoint(endpointConfig());
    setJudgeEndpoint({ report, checkedFor: id });
  } catch (e) {
    setJudgeEndpoint({
      report: { ok: false, models: null, scoring: null, topLogprobs: 0, lines: [], problem: { kind: 'bad_reply', ...toUiError(e) } },
      checkedFor: id,
    });
  } finally {
    setJudgeEndpoint({ checking: false });
  }
}

/** The current test report when it belongs to the current settings; runs the test when there is none. */
async function currentReport() {
  const s = getJudgeEndpoint();
  if (s.report && s.checkedFor === endpointIdentity(s)) return s.report;
  await testConnection();
  return getJudgeEndpoint().report!;
}

let resumeWaiters: (() => void)[] = [];

/** Goes on with a run paused for the endpoint (the same requests are tried again). */
export function resumeJudge(): void {
  const w = resumeWaiters;
  resumeWaiters = [];
  setJudgeEndpoint({ pause: null });
  for (const f of w) f();
}

function pauseFor(problem: EndpointError, signal?: AbortSignal): Promise<void> {
  setJudgeEndpoint({
    pause: { message: `Paused: ${problem.message}`, hint: `Judged responses are kept. ${problem.hint ?? ''} Then press Resume, or Cancel to stop.`.trim() },
  });
  return new Promise<void>((resolve, reject) => {
    resumeWaiters.push(resolve);
    signal?.addEventListener(
      'abort',
      () => {
        setJudgeEndpoint({ pause: null });
        reject(new PipelineError('cancelled', 'the pipeline was cancelled'));
      },
      { once: true },
    );
  });
}

/**
 * The endpoint as judge for a trait, scored the way its test found (logprobs, else sampled); throws
 * what is wrong. With `pause` (long runs: extraction) an endpoint that stops answering pauses the
 * run until Resume; without it (a quick judgement with no cancel) the failure is thrown.
 */
export async function endpointJudge(trait: Pick<TraitSet, 'eval_prompt'>, { pause = true }: { pause?: boolean } = {}): Promise<Judge> {
  const report = await currentReport();
  if (!report.ok || !report.scoring) {
    throw new PipelineError(
      'judge',
      `the judge endpoint does not work: ${report.problem?.message ?? 'Test connection failed'}`,
      report.problem?.hint ?? 'Fix it in the Judge endpoint settings (Model panel), then try again.',
    );
  }
  return openAiJudge(trait, { ...endpointConfig(), scoring: report.scoring, onUnreachable: pause ? pauseFor : undefined });
}

/**
 * The judge the extraction uses for a trait, by the user's choice; `auto` keeps the lab's default
 * (`fallback`: the lexicon judge for demo traits, else the loaded model).
 */
export async function chosenJudge(trait: TraitSet, fallback: Judge): Promise<Judge> {
  const s = getLab();
  switch (getJudgeEndpoint().extractJudge) {
    case 'auto':
      return fallback;
    case 'lexicon':
      return lexiconJudge(trait);
    case 'self':
      if (!s.info) throw new PipelineError('bad_input', 'no model is loaded to judge with', 'Load a model first.');
      return selfJudge({ engine: getEngine(), info: s.info }, trait);
    case 'endpoint':
      return endpointJudge(trait);
    case 'none':
      return noJudge();
  }
}

/** How a judge's id reads in notes and labels; sampled endpoint scores always say so. */
export function judgeLabel(judge: Pick<Judge, 'kind' | 'id'>): string {
  switch (judge.kind) {
    case 'openai':
      return isSampledJudgeId(judge.id) ? 'endpoint judge (sampled scores: no logprobs)' : 'endpoint judge';
    case 'self':
      return 'the model as judge';
    case 'lexicon':
      return 'lexicon judge';
    case 'none':
      return 'no judge';
  }
}

let genController: AbortController | null = null;

export function cancelTraitGeneration(): void {
  genController?.abort();
}

export function discardTraitDraft(): void {
  setJudgeEndpoint((s) => ({ gen: { ...s.gen, draft: null, error: null } }));
}

const STEP_LABEL: Record<GenerationProgress['step'], string> = {
  pairs: 'Writing 5 instruction pairs',
  'extraction questions': 'Writing 20 extraction questions',
  'evaluation questions': 'Writing 20 evaluation questions',
  'judge prompt': 'Writing the judge prompt',
};

/**
 * Writes a trait set from a description with the endpoint or the loaded model; the result is a
 * draft for review in the editor (saved only by the user, through the same validation as imports).
 */
export async function generateTraitDraft(desc: TraitDescription, writer: 'endpoint' | 'model'): Promise<boolean> {
  if (genController) return false;
  genController = new AbortController();
  const signal = genController.signal;
  const setGen = (g: Partial<JudgeEndpointState['gen']>) => setJudgeEndpoint((s) => ({ gen: { ...s.gen, ...g } }));
  setGen({ progress: { label: 'Starting', done: 0, total: 4, etaSeconds: null, unit: 'requests' }, error: null, draft: null });
  try {
    let write;
    if (writer === 'endpoint') {
      const report = await currentReport();
      if (!report.ok)
        throw new PipelineError('judge', `the endpoint does not work: ${report.problem?.message ?? 'Test connection failed'}`, report.problem?.hint);
      write = endpointWriter(endpointConfig());
    } else {
      const s = getLab();
      if (s.loadState !== 'ready' || !s.info)
        throw new PipelineError('bad_input', 'no model is loaded to write with', 'Load a model, or use the judge endpoint.');
      write = modelWriter(getEngine(), s.info.maxPositions);
    }
    const out = await generateTraitSet(desc, write, {
      signal,
      onProgress: (p) => setGen({ progress: { label: STEP_LABEL[p.step], done: p.done, total: p.total, etaSeconds: null, unit: 'requests' } }),
    });
    const v = out.validation;
    setGen({
      progress: null,
      draft: {
        text: v.ok ? exportTraitSet(v.value) : JSON.stringify(out.candidate, null, 2),
        notes: [...out.notes, ...v.warnings],
        errors: v.ok ? [] : v.errors,
        writer,
      },
    });
    return true;
  } catch (e) {
    const cancelled = signal.aborted || (e instanceof PipelineError && e.code === 'cancelled');
    setGen({ progress: null, error: cancelled ? null : e instanceof PipelineError ? { message: e.message, hint: e.hint } : toUiError(e) });
    return false;
  } finally {
    genController = null;
  }
}

/** Tests only: back to a fresh state with no key. */
export function resetJudgeEndpointForTests(): void {
  apiKey = '';
  resumeWaiters = [];
  judgeEndpointStore.setState(initialJudgeEndpoint(), true);
}
