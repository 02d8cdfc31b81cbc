/** Model slice: which model, from where, on which backend, and how its loading goes. */
import type { BackendPref, JobProgress, ModelInfo, UiError } from './types';

export const DEFAULT_HUB_HOST = 'https://huggingface.co';

export interface ModelSlice {
  /** What the "Model" box holds: "demo", a Hub id, or a URL. */
  modelText: string;
  hubHost: string;
  backendPref: BackendPref;
  loadState: 'idle' | 'loading' | 'ready' | 'error';
  loadProgress: JobProgress | null;
  loadStage: string | null;
  /** Id of the model that is loaded (or being loaded). */
  loadedId: string | null;
  info: ModelInfo | null;
  modelError: UiError | null;
  /** What the engine's last automatic restart did (its worker stopped), or that a load was cancelled, for the status line; cleared by the next load. */
  engineNote: string | null;
  /** Set when saved work can only be kept in memory (IndexedDB unavailable or full). */
  storageNote: UiError | null;
  /** Whether the last loaded model should be loaded again on reload. */
  autoload: boolean;
  /** The ONNX variant picked in the Model panel, for the model text it was picked for (null: the engine's default). */
  variantChoice: { model: string; name: string } | null;
  /** Origins the user allowed the lab to contact besides this page and the official Hub (actions/hostConsent.ts). */
  approvedHosts: string[];
  /** A link, lab file or the page address names a host the user has not allowed: what it wants, shown until answered. */
  hostRequest: HostRequest | null;
}

/** Who names a host the lab has not contacted before. */
export type HostAsker = 'share link' | 'page address' | 'lab file' | 'saved settings' | 'preset' | 'Model panel';

export interface HostRequest {
  /** The origin that would be contacted, e.g. https://models.example. */
  origin: string;
  /** What would be downloaded from it (a model id or URL), or null when only a Hub host is named. */
  model: string | null;
  /** The Hub host it would use, when it names one. */
  hubHost: string | null;
  from: HostAsker;
  /** Set once the user said no: the card then says that nothing was loaded or saved. */
  declined?: boolean;
}

export const initialModel: ModelSlice = {
  modelText: 'demo',
  hubHost: DEFAULT_HUB_HOST,
  backendPref: 'auto',
  loadState: 'idle',
  loadProgress: null,
  loadStage: null,
  loadedId: null,
  info: null,
  modelError: null,
  engineNote: null,
  storageNote: null,
  autoload: false,
  variantChoice: null,
  approvedHosts: [],
  hostRequest: null,
};
