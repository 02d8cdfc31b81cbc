/** Model actions: parse what the user typed, load it with progress (cancellable), unload. */
import type { LoadProgress, ModelSource } from '../../engine/api';
import { checkHubHost, DEMO_MODEL_ID, parseSourceText, sourceId } from '../../engine/modelSource';
import { EngineError } from '../../engine/errors';
import { getEngine, isCancelled, toUiError, type RestartNotice } from '../engine';
import { DEFAULT_HUB_HOST, type HostAsker } from '../modelSlice';
import { getLab, setLab } from '../store';
import { variantFor } from './variants';
import type { BackendPref, JobProgress, UiError } from '../types';
import { askForHost, originOf } from './hostConsent';

/**
 * The source for what the "Model" box holds. With a custom Hub host, the demo's id goes through
 * the Hub code path (the mirror serves it); otherwise it is the bundled copy.
 */
export function sourceFor(text: string, hubHost: string): ModelSource {
  const t = text.trim();
  const customHost = normalizeHost(hubHost) !== DEFAULT_HUB_HOST;
  if (t === DEMO_MODEL_ID && customHost) return { kind: 'hub', id: t };
  return parseSourceText(t);
}

export function normalizeHost(host: string): string {
  const h = host.trim().replace(/\/+$/, '');
  return h === '' ? DEFAULT_HUB_HOST : h;
}

export function setModelText(modelText: string): void {
  setLab({ modelText });
}

export function setHubHost(hubHost: string): void {
  setLab({ hubHost });
}

export function setBackendPref(backendPref: BackendPref): void {
  setLab({ backendPref });
}

let loadGeneration = 0;
/** Stops the load in progress (the latest one); null when none runs. */
let loadController: AbortController | null = null;

/** The abort reason of a load the user stopped (Cancel, Unload), as opposed to one a newer load replaced. */
const STOPPED = 'stopped by the user';

/** What the status line says after the user cancelled a load. */
export const LOAD_CANCELLED_NOTE = 'Loading cancelled';

function progressView(p: LoadProgress, prev: JobProgress | null): JobProgress | null {
  if (p.status === 'progress') {
    return { label: `Downloading ${p.file}`, done: p.overallLoaded, total: p.overallTotal, etaSeconds: p.etaSeconds, unit: 'bytes' };
  }
  if (p.status === 'done' && prev) return { ...prev, label: `Downloaded ${p.file}${p.fromCache ? ' (from cache)' : ''}` };
  return prev;
}

/**
 * The origin loading `source` would contact, or null when it contacts nothing outside this page
 * (the bundled demo, a picked folder). A Hub host that is not an http(s) address throws its clear error.
 */
export function contactedOrigin(source: ModelSource, hubHost: string): string | null {
  if (source.kind === 'hub') return originOf(checkHubHost(normalizeHost(hubHost)));
  if (source.kind === 'url') return originOf(source.baseUrl);
  return null;
}

/**
 * Asks before a model named by a link, a preset or a file would come from a host the user has not
 * allowed, BEFORE anything of it is written to the lab: null when the load may go ahead,
 * 'declined' when the user said no (the consent card says so), or why the address is unusable.
 */
export async function consentToLoad(modelText: string, hubHost: string, from: HostAsker): Promise<UiError | 'declined' | null> {
  let source: ModelSource;
  let origin: string | null;
  try {
    source = sourceFor(modelText, hubHost);
    origin = contactedOrigin(source, hubHost);
  } catch (e) {
    return toUiError(e);
  }
  if (!origin) return null;
  return (await askForHost({ origin, model: sourceId(source), hubHost: source.kind === 'hub' ? normalizeHost(hubHost) : null, from })) ? null : 'declined';
}

/** Loads a model; resolves to true when it loaded. Folder picks pass their files as the source. */
export async function loadModel(explicit?: ModelSource, from: HostAsker = 'Model panel'): Promise<boolean> {
  const s = getLab();
  let source: ModelSource;
  let origin: string | null;
  try {
    source = explicit ?? sourceFor(s.modelText, s.hubHost);
    origin = contactedOrigin(source, s.hubHost);
  } catch (e) {
    // a model that is loaded stays loaded (and the status line says so): only the message changes
    setLab({
      ...(s.loadState === 'ready' ? {} : { loadState: 'error' as const }),
      modelError: toUiError(e, 'Type "demo", a Hub id such as onnx-community/Qwen3-0.6B-ONNX, or pick a folder.'),
    });
    return false;
  }
  if (origin && !(await askForHost({ origin, model: sourceId(source), hubHost: source.kind === 'hub' ? normalizeHost(s.hubHost) : null, from }))) return false;
  const gen = ++loadGeneration;
  // A new load replaces one still running: that one's downloads stop.
  loadController?.abort('replaced by a newer load');
  const controller = new AbortController();
  loadController = controller;
  const id = sourceId(source);
  setLab({
    loadState: 'loading',
    loadedId: id,
    modelError: null,
    engineNote: null,
    loadStage: 'Starting',
    loadProgress: { label: 'Starting', done: 0, total: null, etaSeconds: null, unit: 'bytes' },
  });
  try {
    const host = normalizeHost(s.hubHost);
    const info = await getEngine().load(
      { source, backend: s.backendPref, hubHost: host === DEFAULT_HUB_HOST ? undefined : host, variant: explicit ? undefined : variantFor(s) },
      (p) => {
        if (gen !== loadGeneration) return;
        if (p.status === 'stage') setLab({ loadStage: p.message });
        else if (p.status === 'initiate') setLab({ loadStage: `Fetching ${p.file}` });
        else setLab((st) => ({ loadProgress: progressView(p, st.loadProgress) }));
      },
      { signal: controller.signal },
    );
    if (controller.signal.aborted) {
      // cancelled (or unloaded) just as it finished: the lab already shows no model, so the engine keeps none
      if (controller.signal.reason === STOPPED)
        void getEngine()
          .unload()
          .catch(() => undefined);
      return false;
    }
    if (gen !== loadGeneration) return false;
    loadController = null;
    const mid = Math.floor(info.numLayers / 2);
    setLab((st) => ({
      loadState: 'ready',
      info,
      loadedId: id,
      loadProgress: null,
      loadStage: null,
      autoload: source.kind !== 'files',
      layer: st.layer !== null && st.layer < info.numLayers ? st.layer : mid,
    }));
    return true;
  } catch (e) {
    if (gen !== loadGeneration) return false;
    loadController = null;
    if (isCancelled(e)) {
      setLab(cancelledState);
      return false;
    }
    const err = toUiError(e, 'Check the model id and the Hub host, or try the demo model.');
    if (source.kind === 'hub' && e instanceof EngineError && e.code === 'not_found') {
      err.hint = `Check the id: ${normalizeHost(s.hubHost)}/${source.id} must hold config.json, tokenizer.json and an onnx/ folder (try an onnx-community/… id).`;
    }
    setLab({ loadState: 'error', info: null, loadProgress: null, loadStage: null, modelError: err });
    return false;
  }
}

/** The lab after a cancelled load: no model, no error, a note in the status line; saved work untouched. */
const cancelledState = {
  loadState: 'idle',
  info: null,
  loadedId: null,
  loadProgress: null,
  loadStage: null,
  modelError: null,
  engineNote: LOAD_CANCELLED_NOTE,
  autoload: false,
} as const;

/**
 * Stops the load in progress: its downloads close and the lab shows no model at once (the engine
 * releases what it had, the model loaded before included). Does nothing when no load runs.
 */
export function cancelLoad(): void {
  if (!loadController) return;
  loadController.abort(STOPPED);
  loadController = null;
  loadGeneration++;
  setLab(cancelledState);
}

/**
 * The engine's worker stopped and restarts itself (state/engine.ts): the model shows as loading
 * while it does, then as ready with the reloaded model and a note saying what happened; if the
 * reload failed, as an error that says to load it again. Saved work is not touched.
 */
export function engineRestarted(n: RestartNotice): void {
  const s = getLab();
  if (n.phase === 'restarting') {
    if (s.loadState === 'ready' || s.loadState === 'loading') setLab({ loadState: 'loading', loadStage: n.message, engineNote: null });
    return;
  }
  if (n.model) setLab({ loadState: 'ready', info: n.model, loadStage: null, loadProgress: null, modelError: null, engineNote: n.message });
  else if (s.loadState === 'loading' || s.info)
    setLab({
      loadState: 'error',
      info: null,
      loadStage: null,
      loadProgress: null,
      modelError: { message: n.message, hint: 'Load the model again (Model panel); your saved work is kept.' },
    });
  else setLab({ engineNote: n.message });
}

/** Turns a folder pick (`<input webkitdirectory>`) into a source. */
export function folderSource(files: FileList | File[]): ModelSource {
  const list = Array.from(files);
  const map: Record<string, Blob> = {};
  for (const f of list) map[(f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name] = f;
  const first = list[0] as (File & { webkitRelativePath?: string }) | undefined;
  const name = first?.webkitRelativePath?.split('/')[0] || first?.name || 'folder';
  return { kind: 'files', name, files: map };
}

export async function unloadModel(): Promise<void> {
  loadGeneration++;
  loadController?.abort(STOPPED);
  loadController = null;
  await getEngine()
    .unload()
    .catch(() => undefined);
  setLab({ loadState: 'idle', info: null, loadedId: null, loadProgress: null, autoload: false });
}
