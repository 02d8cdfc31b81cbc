/**
 * The judge endpoint's settings (preset, base URL, model), its last connection test, a run paused
 * for it, and the trait-set writer's job. A store of its own, apart from the lab's: persistence,
 * lab archives, presets and share links read the lab's store, and none of them ever sees this one.
 * The API key is not here at all: it lives in one module variable (actions/judgeEndpoint.ts), and
 * the store only says whether one is set. Base URL and model name are remembered in localStorage
 * under their own key (never the key).
 */
import { create } from 'zustand';
import type { EndpointReport } from '../persona/pipeline/endpointCheck';
import type { TraitIssue } from '../persona/traitSet';
import type { JobProgress, UiError } from './types';

export interface EndpointPreset {
  id: string;
  label: string;
  baseUrl: string;
  /** A model name to start from (the user changes it to what their server serves). */
  model: string;
  needsKey: boolean;
  /** What to do so that this page may call the server (CORS), shown with the preset. */
  note: string;
}

/** Presets for the hosted API and local servers that speak the same protocol. */
export const ENDPOINT_PRESETS: EndpointPreset[] = [
  {
    id: 'openai',
    label: 'OpenAI API (hosted)',
    baseUrl: 'https://api.openai.com/v1',
    model: 'gpt-4.1-mini',
    needsKey: true,
    note: "Needs an API key; calls are billed to it. Models with logprobs give the paper's score.",
  },
  {
    id: 'ollama',
    label: 'Ollama (local)',
    baseUrl: 'http://localhost:11434/v1',
    model: 'llama3.1:8b',
    needsKey: false,
    note: "Start Ollama with OLLAMA_ORIGINS set to this page's origin so the page may call it; pull the model first.",
  },
  {
    id: 'lmstudio',
    label: 'LM Studio (local)',
    baseUrl: 'http://localhost:1234/v1',
    model: 'qwen2.5-7b-instruct',
    needsKey: false,
    note: 'Start the server in LM Studio\'s Developer tab and turn on "Enable CORS"; load the model there.',
  },
  {
    id: 'llamacpp',
    label: 'llama.cpp server (local)',
    baseUrl: 'http://localhost:8080/v1',
    model: 'default',
    needsKey: false,
    note: 'llama-server answers any model name with the model it loaded; browser requests are allowed by default.',
  },
  {
    id: 'vllm',
    label: 'vLLM (local)',
    baseUrl: 'http://localhost:8000/v1',
    model: 'Qwen/Qwen2.5-7B-Instruct',
    needsKey: false,
    note: "Start with --allowed-origins including this page's origin (the default allows all); use the served model name.",
  },
  {
    id: 'custom',
    label: 'Other (any OpenAI-compatible URL)',
    baseUrl: '',
    model: '',
    needsKey: false,
    note: 'Any server with /v1/chat/completions. It must allow requests from this page (CORS).',
  },
];

export type LabJudgeChoice = 'auto' | 'lexicon' | 'self' | 'endpoint' | 'none';

export const LAB_JUDGE_LABELS: Record<LabJudgeChoice, string> = {
  auto: 'automatic (lexicon for demo traits, else the loaded model)',
  lexicon: 'lexicon judge (demo traits)',
  self: 'the loaded model',
  endpoint: 'the judge endpoint',
  none: 'no judge (keep every pair)',
};

export interface TraitDraft {
  /** The generated set as editor text, for review before saving. */
  text: string;
  /** What the writer got wrong (unparseable parts, too few questions …) and validation problems. */
  notes: TraitIssue[];
  errors: TraitIssue[];
  /** Who wrote it. */
  writer: 'endpoint' | 'model';
}

export interface JudgeEndpointState {
  preset: string;
  baseUrl: string;
  model: string;
  /** Whether an API key is entered (the key itself is never in a store). */
  keySet: boolean;
  checking: boolean;
  /** The last Test connection, for `checkedFor` (base URL + model). */
  report: EndpointReport | null;
  checkedFor: string | null;
  /** A run waiting for the endpoint to come back: message and what to do. */
  pause: UiError | null;
  extractJudge: LabJudgeChoice;
  gen: { progress: JobProgress | null; error: UiError | null; draft: TraitDraft | null };
}

export const ENDPOINT_SETTINGS_KEY = 'persona-lab:judge-endpoint-v1';

export const initialJudgeEndpoint = (): JudgeEndpointState => ({
  preset: 'ollama',
  baseUrl: ENDPOINT_PRESETS[1].baseUrl,
  model: ENDPOINT_PRESETS[1].model,
  keySet: false,
  checking: false,
  report: null,
  checkedFor: null,
  pause: null,
  extractJudge: 'auto',
  gen: { progress: null, error: null, draft: null },
});

/** Preset, base URL, model and the extraction's judge choice as remembered (a damaged document is ignored). */
export function rememberedEndpoint(): Partial<JudgeEndpointState> {
  try {
    const raw = globalThis.localStorage?.getItem(ENDPOINT_SETTINGS_KEY);
    if (!raw) return {};
    const d = JSON.parse(raw) as Record<string, unknown>;
    const out: Partial<JudgeEndpointState> = {};
    if (ENDPOINT_PRESETS.some((p) => p.id === d.preset)) out.preset = d.preset as string;
    if (typeof d.baseUrl === 'string' && d.baseUrl.length <= 2000) out.baseUrl = d.baseUrl;
    if (typeof d.model === 'string' && d.model.length <= 300) out.model = d.model;
    const choice = (Object.keys(LAB_JUDGE_LABELS) as LabJudgeChoice[]).find((c) => c === d.extractJudge);
    if (choice) out.extractJudge = choice;
    return out;
  } catch {
    return {};
  }
}

export const judgeEndpointStore = create<JudgeEndpointState>()(() => ({ ...initialJudgeEndpoint(), ...rememberedEndpoint() }));
export const useJudgeEndpoint = judgeEndpointStore;
export const getJudgeEndpoint = (): JudgeEndpointState => judgeEndpointStore.getState();
export const setJudgeEndpoint = (p: Partial<JudgeEndpointState> | ((s: JudgeEndpointState) => Partial<JudgeEndpointState>)): void =>
  judgeEndpointStore.setState(p);

/** The identity of a configuration a test result belongs to. */
export const endpointIdentity = (s: Pick<JudgeEndpointState, 'baseUrl' | 'model'>): string => `${s.baseUrl.trim()}\n${s.model.trim()}`;
