import { useState } from 'react';
import { MAX_PRESETS_FILE_BYTES } from '../../persona/limits';
import {
  applyPreset,
  deletePreset,
  exportPresets,
  importPresets,
  makeShareLink,
  refuseLargePresetsFile,
  renamePreset,
  savePreset,
} from '../../state/actions/presets';
import { setLab, useLab } from '../../state/store';
import type { Preset } from '../../state/types';
import { downloadText } from '../common/download';
import { FilePicker } from '../common/FilePicker';
import { Section } from '../common/Section';
import { LabArchivePanel } from './LabArchivePanel';

async function copy(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** Save the steering setup by name; list, rename, delete, export/import; share as a link. */
export function PresetsPanel() {
  const presets = useLab((s) => s.presets);
  const link = useLab((s) => s.lastShareLink);
  const canSave = useLab((s) => s.loadState === 'ready' && s.layer !== null);
  const [name, setName] = useState('');
  const [copied, setCopied] = useState<string | null>(null);
  const share = async (p?: Preset) => {
    const l = makeShareLink(window.location.href.split('#')[0], p);
    if (l) setCopied((await copy(l)) ? 'Link copied to the clipboard.' : 'Copy the link below.');
  };
  return (
    <div className="panel-grid">
      <Section title="Save & share" id="save">
        <form
          className="row wrap"
          onSubmit={(e) => {
            e.preventDefault();
            if (savePreset(name)) setName('');
          }}
        >
          <label className="field" style={{ flex: 1 }}>
            <span>Preset name</span>
            <input
              type="text"
              aria-label="Preset name"
              value={name}
              placeholder="e.g. cheerful tutor"
              maxLength={200}
              onChange={(e) => setName(e.target.value)}
            />
          </label>
          <button type="submit" className="primary" disabled={!canSave}>
            Save preset
          </button>
          <button type="button" disabled={!canSave} onClick={() => void share()}>
            Copy share link
          </button>
        </form>
        <p className="muted small-text">
          A preset holds the model id, each active trait's vector at the steering layer, α, layer, position mode, sampling settings, seed, system prompt and
          last message. A share link packs all of it into the address (compressed, vectors quantised to int8, checksummed) — nothing is uploaded.
        </p>
        {link && (
          <div className="stack">
            <label className="field">
              <span>
                Share link ({new TextEncoder().encode(link).length.toLocaleString()} bytes){copied ? ` — ${copied}` : ''}
              </span>
              <input type="text" readOnly aria-label="Share link" value={link} onFocus={(e) => e.currentTarget.select()} className="mono" />
            </label>
          </div>
        )}
      </Section>
      <Section
        title={`Presets (${presets.length})`}
        id="presets"
        actions={
          <>
            <button type="button" className="small" disabled={!presets.length} onClick={() => downloadText('persona-lab-presets.json', exportPresets())}>
              Export
            </button>
            <FilePicker
              className="small"
              accept=".json,application/json"
              inputLabel="Import presets"
              maxBytes={MAX_PRESETS_FILE_BYTES}
              onTooLarge={(f) => refuseLargePresetsFile(f.size)}
              onFile={async (f) => importPresets(await f.text())}
            >
              Import…
            </FilePicker>
          </>
        }
      >
        {presets.length === 0 ? (
          <p className="muted">No presets yet. Set up steering in Chat & steer, then save it here.</p>
        ) : (
          <ul className="list" aria-label="Saved presets">
            {presets.map((p) => (
              <PresetItem key={p.name} preset={p} onShare={() => void share(p)} />
            ))}
          </ul>
        )}
      </Section>
      <LabArchivePanel />
    </div>
  );
}

function PresetItem({ preset: p, onShare }: { preset: Preset; onShare: () => void }) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(p.name);
  const summary = p.traits.map((t) => `${t.name} ${t.alpha > 0 ? '+' : ''}${t.alpha.toFixed(1)}`).join(', ') || 'no traits';
  return (
    <li className="card" style={{ padding: 10, gap: 6 }}>
      {editing ? (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            renamePreset(p.name, value);
            setEditing(false);
          }}
        >
          <input type="text" aria-label="New preset name" value={value} autoFocus maxLength={200} onChange={(e) => setValue(e.target.value)} />
          <button type="submit" className="small">
            Rename
          </button>
          <button type="button" className="small ghost" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <strong>{p.name}</strong>
      )}
      <span className="muted small-text">
        {p.modelId} · layer {p.layer} · {p.positions} · {summary} · seed {p.seed}
      </span>
      <div className="row wrap">
        <button
          type="button"
          className="small"
          onClick={() => {
            setLab({ tab: 'chat' });
            void applyPreset(p, { regenerate: true });
          }}
        >
          Apply
        </button>
        <button type="button" className="small" onClick={onShare}>
          Share link
        </button>
        <button
          type="button"
          className="small"
          onClick={() => {
            setValue(p.name);
            setEditing(true);
          }}
        >
          Rename…
        </button>
        <button type="button" className="small danger" onClick={() => deletePreset(p.name)}>
          Delete
        </button>
      </div>
    </li>
  );
}
