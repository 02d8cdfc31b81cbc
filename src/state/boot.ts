/**
 * Start-up: restore saved work, apply the page address (?hub=, #preset=…, #tour=N), fetch the demo
 * model's traits, reload the last model (or load the bundled demo model). Runs once from main.tsx.
 */
import { openShareLink } from './actions/presets';
import { consentToLoad, engineRestarted, loadModel } from './actions/model';
import { askForHost, originOf, restoreApprovedHosts } from './actions/hostConsent';
import { runTurn } from './actions/chat';
import { loadDemoTraits } from './actions/traits';
import { onEngineRestart } from './engine';
import { persistChanges, restore } from './persist';
import { getStorage } from './storage';
import { getLab, setLab } from './store';
import type { Theme } from './types';

export interface BootOptions {
  location: { search: string; hash: string };
  prefersLight?: boolean;
  /** Called with a 0-based tour step when the address asks for the tour. */
  startTour?: (step: number) => void;
}

export function tourStepFromHash(hash: string): number | null {
  const m = /(?:^#|&)tour=(\d{1,3})(?:&|$)/.exec(hash);
  return m ? Math.max(0, Number(m[1]) - 1) : null;
}

export async function boot(opts: BootOptions): Promise<void> {
  onEngineRestart(engineRestarted);
  const storage = await getStorage().catch(() => null);
  let kv: Storage | null = null;
  try {
    kv = window.localStorage;
  } catch {
    kv = null;
  }
  restoreApprovedHosts(kv);
  const saved = await restore(storage, kv);
  persistChanges(storage, kv);
  if (!saved) setLab({ theme: (opts.prefersLight ? 'light' : 'dark') as Theme });
  const params = new URLSearchParams(opts.location.search);
  // a host named by the page address is used (and saved) only once the user allows it
  const hub = params.get('hub');
  const hubOrigin = hub ? originOf(hub) : null;
  if (hub && hubOrigin && (await askForHost({ origin: hubOrigin, model: null, hubHost: hub, from: 'page address' }))) setLab({ hubHost: hub });
  const backend = params.get('backend');
  if (backend === 'auto' || backend === 'webgpu' || backend === 'wasm') setLab({ backendPref: backend });
  const named = params.get('model');
  const model = named && (await consentToLoad(named, getLab().hubHost, 'page address')) !== 'declined' ? named : null;
  if (model) setLab({ modelText: model });
  await loadDemoTraits();
  const tour = tourStepFromHash(opts.location.hash);
  if (tour !== null) {
    opts.startTour?.(tour);
    return;
  }
  if (/(^#|&)preset=/.test(opts.location.hash)) {
    await openShareLink(opts.location.hash);
    return;
  }
  const s = getLab();
  // A load the user started while the lab was starting (a folder pick, the Model box) is theirs: not replaced.
  if (s.loadState !== 'idle') return resumeInterrupted(false);
  if (saved && s.autoload && s.loadedId && !model) setLab({ modelText: s.loadedId });
  const reload = saved && s.autoload && s.loadedId && !s.loadedId.startsWith('local:');
  // Nothing named and nothing to reload: the lab opens with the bundled demo model (served with the page, no network).
  const loaded =
    model || reload ? await loadModel(undefined, model ? 'page address' : 'saved settings') : !saved || s.autoload ? await loadModel({ kind: 'demo' }) : false;
  await resumeInterrupted(loaded);
}

/** A reply that was being generated when the page closed is generated again (or marked stopped). */
async function resumeInterrupted(loaded: boolean): Promise<void> {
  const turns = getLab().turns;
  const last = turns[turns.length - 1];
  setLab({ turns: turns.map((t) => (t.status === 'running' && (t !== last || !loaded) ? { ...t, status: 'cancelled' } : t)) });
  if (loaded && last?.status === 'running') await runTurn(last.id);
}
