/** Preset actions: save the steering setup, rename, delete, export/import, share links and restoring them. */
import { decodePreset, presetParam, presetsFromJson, presetsToJson, shareLink, type Quant } from '../../share';
import { rowOfLayer } from '../../engine/hooks';
import { nameRecord, ownValue } from '../../persona/nameRecord';
import { fileTooLarge, MAX_PRESETS_FILE_BYTES, TEXT_LIMITS } from '../../persona/limits';
import { mergePresets } from '../archiveMerge';
import { importedName, sameLinkRow } from '../importNames';
import { getLab, setLab } from '../store';
import type { Preset, VectorEntry } from '../types';
import { consentToLoad, loadModel, normalizeHost } from './model';
import type { HostAsker } from '../modelSlice';
import { DEFAULT_HUB_HOST } from '../modelSlice';
import { clampPresetAlphas } from '../alphaClamp';
import { runTurn, sendMessage } from './chat';
import { steerableTraits, typicalNormAt, vectorRowAt } from './steer';

/** The current steering setup as a preset (null when nothing can be steered yet). */
export function currentPreset(name: string): Preset | null {
  const s = getLab();
  if (s.layer === null || !s.loadedId) return null;
  const layer = s.layer;
  const traits = steerableTraits(s).map((t) => {
    const v = s.vectors[t];
    return { name: t, alpha: s.alphas[t] ?? 0, vector: Float32Array.from(vectorRowAt(v, layer)!), typicalNorm: typicalNormAt(v, layer) || undefined };
  });
  const host = normalizeHost(s.hubHost);
  const lastUser = s.turns.length ? s.turns[s.turns.length - 1].user : s.draft;
  return {
    name: name.trim() || 'Untitled preset',
    modelId: s.loadedId,
    hubHost: host === DEFAULT_HUB_HOST ? undefined : host,
    layer,
    positions: s.positions,
    sampling: { ...s.sampling },
    seed: s.seed,
    maxNewTokens: s.maxNewTokens,
    systemPrompt: s.systemPrompt,
    prompt: lastUser,
    traits,
    createdAt: Date.now(),
  };
}

export function savePreset(name: string): Preset | null {
  const p = currentPreset(name);
  if (!p) {
    setLab({ shareNotice: { kind: 'error', message: 'nothing to save yet', hint: 'Load a model and choose a layer first.' } });
    return null;
  }
  setLab((s) => ({ presets: [p, ...s.presets.filter((x) => x.name !== p.name)], shareNotice: null }));
  return p;
}

export function renamePreset(oldName: string, newName: string): void {
  const n = newName.trim();
  if (!n) return;
  setLab((s) => ({ presets: s.presets.map((p) => (p.name === oldName ? { ...p, name: n } : p)) }));
}

export function deletePreset(name: string): void {
  setLab((s) => ({ presets: s.presets.filter((p) => p.name !== name) }));
}

export function exportPresets(names?: string[]): string {
  const all = getLab().presets;
  return presetsToJson(names ? all.filter((p) => names.includes(p.name)) : all);
}

/** Refuses a presets file over MAX_PRESETS_FILE_BYTES by its size, before it is read; true when refused. */
export function refuseLargePresetsFile(bytes: number): boolean {
  if (bytes <= MAX_PRESETS_FILE_BYTES) return false;
  setLab({
    shareNotice: {
      kind: 'error',
      message: `could not import presets: ${fileTooLarge(bytes, MAX_PRESETS_FILE_BYTES, 'a presets file')}, so it was not read`,
      hint: 'Choose a file exported by Persona Lab (they are far smaller); no preset was changed.',
    },
  });
  return true;
}

export function importPresets(text: string): number {
  const r = presetsFromJson(text);
  if (!r.ok) {
    setLab({ shareNotice: { kind: 'error', message: `could not import presets: ${r.error}`, hint: 'Choose a file exported by Persona Lab.' } });
    return 0;
  }
  const clamped = r.value.map(clampPresetAlphas);
  const value = clamped.map((c) => c.preset);
  const notes = clamped.flatMap((c) => c.notes);
  // a preset whose name is taken by one with other content is kept beside it, never replacing it
  const merged = mergePresets(getLab().presets, value, 'file');
  const shareNotice = merged.renamed.length
    ? {
        kind: 'restored' as const,
        message: `Imported ${value.length} presets; kept beside saved presets with the same name and other content: ${merged.renamed.join(', ')}.`,
      }
    : null;
  setLab({ presets: merged.presets, shareNotice, ...(notes.length ? { alphaNote: notes.join('; ') } : {}) });
  return value.length;
}

/** A share link for a preset (or the current setup); null when there is nothing to share. */
export function makeShareLink(pageUrl: string, preset?: Preset, quant: Quant = 'int8'): string | null {
  const p = preset ?? currentPreset('Shared setup');
  if (!p) {
    setLab({ shareNotice: { kind: 'error', message: 'nothing to share yet', hint: 'Load a model and extract a trait first.' } });
    return null;
  }
  const link = shareLink(pageUrl, p, { quant });
  setLab({ lastShareLink: link });
  return link;
}

/**
 * Applies a preset: vectors (one row at its layer), sliders, layer, settings. Loads the preset's
 * model when none is loaded; says clearly when the loaded model differs.
 */
let lastApplied: Preset | null = null;

/** Loads the model the last applied preset was made for, then applies it again. */
export async function loadPresetModel(): Promise<void> {
  const p = lastApplied;
  if (!p) return;
  if (await refusedHost(p, 'preset')) return;
  setLab((s) => ({ modelText: p.modelId, hubHost: p.hubHost ?? s.hubHost, shareNotice: null }));
  if (await loadModel()) await applyPreset(p, { regenerate: true });
}

/**
 * Whether the preset's model would come from a host the user did not allow (they were asked first,
 * before anything of the preset is written: actions/hostConsent.ts) or from an unusable address.
 */
async function refusedHost(p: Preset, from: HostAsker): Promise<boolean> {
  const refused = await consentToLoad(p.modelId, p.hubHost ?? getLab().hubHost, from);
  if (refused && refused !== 'declined')
    setLab({
      shareNotice: {
        kind: 'error',
        message: `Preset "${p.name}" was not opened: ${refused.message}`,
        hint: `${refused.hint ? `${refused.hint} ` : ''}Nothing in the lab was changed.`,
      },
    });
  return refused !== null;
}

export async function applyPreset(p: Preset, opts: { load?: boolean; regenerate?: boolean; from?: HostAsker } = {}): Promise<void> {
  lastApplied = p;
  let s = getLab();
  if (opts.load !== false && (s.loadState !== 'ready' || s.loadedId !== p.modelId)) {
    if (s.loadState !== 'ready') {
      if (await refusedHost(p, opts.from ?? 'preset')) return;
      setLab({ modelText: p.modelId, hubHost: p.hubHost ?? s.hubHost });
      await loadModel();
    }
  }
  s = getLab();
  const info = s.info;
  const problems: string[] = [];
  if (!info) problems.push(`the model ${p.modelId} is not loaded`);
  else {
    if (s.loadedId !== p.modelId) problems.push(`this preset was made with ${p.modelId}, but ${s.loadedId} is loaded`);
    const hidden = p.traits[0]?.vector.length;
    if (hidden !== undefined && hidden !== info.hiddenSize) problems.push(`its vectors have ${hidden} values but the loaded model is ${info.hiddenSize} wide`);
    if (p.layer >= info.numLayers) problems.push(`its layer ${p.layer} does not exist in the loaded model (${info.numLayers} blocks)`);
  }
  const fits = !!info && p.layer < info.numLayers && p.traits.every((t) => t.vector.length === info.hiddenSize);
  if (!fits || !info) {
    // the preset cannot steer this lab: nothing of the user's work (vectors, sliders, settings) changes
    setLab({
      shareNotice: {
        kind: 'mismatch',
        message: `Preset "${p.name}" does not match the loaded model: ${problems.join('; ')}.`,
        hint: `Load ${p.modelId} to use this preset; nothing in the lab was changed.`,
        modelId: p.modelId,
      },
    });
    return;
  }
  const rows = info.numLayers + 1;
  const row = rowOfLayer(p.layer);
  const saved = getLab().vectors;
  const added = nameRecord<VectorEntry>();
  const names: string[] = [];
  const renamed: string[] = [];
  for (const t of p.traits) {
    // a saved vector of the same name keeps its statistics: a different one from the link goes beside it
    const { name, same } = importedName(t.name, 'link', TEXT_LIMITS.traitName, (n) => {
      const v = ownValue(saved, n) ?? ownValue(added, n);
      if (!v) return names.includes(n) ? 'taken' : 'free';
      return sameLinkRow(v, p.modelId, row, t.vector) ? 'same' : 'taken';
    });
    names.push(name);
    if (name !== t.name) renamed.push(`"${t.name}" as "${name}"`);
    if (same) continue;
    const hidden = t.vector.length;
    const data = new Float32Array(rows * hidden);
    data.set(t.vector, row * hidden);
    const typicalNorms = t.typicalNorm ? Array.from({ length: rows }, (_, r) => (r === row ? t.typicalNorm! : 0)) : null;
    added[name] = {
      trait: name,
      modelId: p.modelId,
      rows,
      hidden,
      data,
      presentRows: [row],
      layer: p.layer,
      stats: null,
      typicalNorms,
      samples: { pos: 0, neg: 0 },
      note: `from preset "${p.name}" (layer ${p.layer} only)`,
      createdAt: p.createdAt,
    };
  }
  const kept = renamed.length ? ` Saved vectors with the same names differ, so the link's are kept beside them: ${renamed.join(', ')}.` : '';
  setLab((st) => ({
    vectors: nameRecord({ ...st.vectors, ...added }),
    active: names,
    alphas: nameRecord({ ...st.alphas, ...nameRecord(p.traits.map((t, i) => [names[i], t.alpha] as const)) }),
    layer: p.layer,
    positions: p.positions,
    sampling: { ...p.sampling },
    seed: p.seed,
    maxNewTokens: p.maxNewTokens,
    systemPrompt: p.systemPrompt,
    draft: p.prompt,
    shareNotice: problems.length
      ? {
          kind: 'mismatch',
          message: `Preset "${p.name}" does not match the loaded model: ${problems.join('; ')}.${kept}`,
          hint: 'Steering still applies, but results may differ.',
          modelId: p.modelId,
        }
      : { kind: 'restored', message: `Restored preset "${p.name}" on ${p.modelId}.${kept}` },
  }));
  if (opts.regenerate && p.prompt.trim() && getLab().loadState === 'ready') {
    const turns = getLab().turns;
    if (turns.length && turns[turns.length - 1].user === p.prompt) await runTurn(turns[turns.length - 1].id);
    else await sendMessage(p.prompt);
  }
}

/** Opens a share link from a location hash: decode, then apply (loading the model). */
export async function openShareLink(hash: string): Promise<boolean> {
  const value = presetParam(hash);
  if (value === null) return false;
  const r = decodePreset(value);
  if (!r.ok) {
    setLab({ shareNotice: { kind: 'error', message: r.error.message, hint: r.error.hint }, tab: 'presets' });
    return false;
  }
  setLab({ tab: 'chat' });
  await applyPreset(r.preset, { regenerate: true, from: 'share link' });
  return true;
}
