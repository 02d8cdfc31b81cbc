/**
 * Consent before any new host. The lab contacts only this page's origin, the official Hugging Face
 * Hub and origins the user allowed. Whatever names another host — a share link, the page address
 * (?hub=, ?model=), a lab file, settings saved by an older version, a preset — is held back: the
 * card (ui/model/HostConsent.tsx) shows what would be downloaded and from where, and nothing is
 * fetched or saved until the user answers. "No" leaves the lab as it was.
 *
 * Approvals are kept in localStorage under their own key, never in the settings document, so a lab
 * file cannot carry approvals with it; the Model panel lists them with "Revoke".
 */
import { httpUrl } from '../../engine/modelSource';
import { DEFAULT_HUB_HOST, type HostRequest } from '../modelSlice';
import { getLab, setLab, type LabState } from '../store';

export const APPROVED_HOSTS_KEY = 'persona-lab:approved-hosts-v1';

/** The origin of an http(s) address (`https://models.example`), or null for anything else. */
export function originOf(address: string): string | null {
  return httpUrl(address)?.origin ?? null;
}

const OFFICIAL_HUB = originOf(DEFAULT_HUB_HOST)!;

function pageOrigin(): string | null {
  return typeof location === 'undefined' ? null : location.origin;
}

/** Whether the lab may contact `origin` without asking: this page, the official Hub, or approved. */
export function isAllowedOrigin(origin: string, approved: readonly string[] = getLab().approvedHosts): boolean {
  return origin === OFFICIAL_HUB || origin === pageOrigin() || approved.includes(origin);
}

let kv: Pick<Storage, 'getItem' | 'setItem'> | null = null;

/** Reads the approvals saved in this browser (boot). A damaged list counts as none. */
export function restoreApprovedHosts(store: Pick<Storage, 'getItem' | 'setItem'> | null): void {
  kv = store;
  let list: unknown = [];
  try {
    list = JSON.parse(store?.getItem(APPROVED_HOSTS_KEY) ?? '[]');
  } catch {
    list = [];
  }
  const hosts = Array.isArray(list) ? list.filter((h): h is string => typeof h === 'string' && originOf(h) === h) : [];
  setLab({ approvedHosts: [...new Set(hosts)] });
}

function saveApprovals(hosts: string[]): void {
  setLab({ approvedHosts: hosts });
  try {
    kv?.setItem(APPROVED_HOSTS_KEY, JSON.stringify(hosts));
  } catch {
    // storage full or blocked: the approval holds for this session only
  }
}

let answer: ((allowed: boolean) => void) | null = null;

/**
 * Resolves true at once when the origin is allowed; otherwise shows the request and resolves when
 * the user answers (true: the origin is approved and saved). A newer request replaces an
 * unanswered one, whose asker gets "no".
 */
export function askForHost(request: Omit<HostRequest, 'declined'>): Promise<boolean> {
  if (isAllowedOrigin(request.origin)) return Promise.resolve(true);
  answer?.(false);
  return new Promise((resolve) => {
    answer = resolve;
    setLab({ hostRequest: { ...request } });
  });
}

/** The user's answer to the request on screen. "No" saves nothing; the card says so until dismissed. */
export function answerHostRequest(allow: boolean): void {
  const request = getLab().hostRequest;
  const resolve = answer;
  answer = null;
  if (!request || request.declined) return;
  if (allow) {
    const approved = getLab().approvedHosts;
    if (!approved.includes(request.origin)) saveApprovals([...approved, request.origin]);
    setLab({ hostRequest: null });
  } else {
    setLab({ hostRequest: { ...request, declined: true } });
  }
  resolve?.(allow);
}

export function dismissHostRequest(): void {
  if (getLab().hostRequest?.declined) setLab({ hostRequest: null });
  else answerHostRequest(false);
}

/** Takes an approval back; a Hub host on that origin goes back to the official Hub. */
export function revokeHost(origin: string): void {
  saveApprovals(getLab().approvedHosts.filter((h) => h !== origin));
  if (originOf(getLab().hubHost) === origin) setLab({ hubHost: DEFAULT_HUB_HOST });
}

type HostFields = Pick<LabState, 'hubHost' | 'modelText' | 'loadedId'>;

/**
 * Settings from a lab file without the hosts the user has not allowed: a Hub host, or a model URL
 * in the model box or as the model to reload, on an origin not yet allowed is held back and asked
 * about (from: 'lab file'); only a "yes" writes it. While a model is loaded the file's `loadedId`
 * (what to reload next time) is not taken either: it would label the loaded model with the file's.
 */
export function withoutUnapprovedHosts(settings: Partial<LabState>): Partial<LabState> {
  const out: Partial<LabState> = { ...settings };
  const held = new Map<string, { patch: Partial<HostFields>; model: string | null; hubHost: string | null }>();
  const hold = (origin: string, patch: Partial<HostFields>, model: string | null, hubHost: string | null) => {
    const h = held.get(origin) ?? { patch: {}, model: null, hubHost: null };
    held.set(origin, { patch: { ...h.patch, ...patch }, model: h.model ?? model, hubHost: h.hubHost ?? hubHost });
  };
  if (typeof settings.hubHost === 'string') {
    const origin = originOf(settings.hubHost.trim());
    if (origin && !isAllowedOrigin(origin)) {
      delete out.hubHost;
      hold(origin, { hubHost: settings.hubHost }, null, settings.hubHost);
    }
  }
  for (const k of ['modelText', 'loadedId'] as const) {
    const v = settings[k];
    const origin = typeof v === 'string' && /^https?:/i.test(v.trim()) ? originOf(v.trim()) : null;
    if (origin && !isAllowedOrigin(origin)) {
      delete out[k];
      hold(origin, { [k]: v }, v as string, null);
    }
  }
  if (getLab().loadState === 'ready' || getLab().loadState === 'loading') {
    delete out.loadedId;
    for (const h of held.values()) delete h.patch.loadedId;
  }
  if (held.size) {
    void (async () => {
      for (const [origin, h] of held) if (await askForHost({ origin, model: h.model, hubHost: h.hubHost, from: 'lab file' })) setLab(h.patch);
    })();
  }
  return out;
}
