import { useId } from 'react';
import { cancelLoad, folderSource, loadModel, setBackendPref, setHubHost, setModelText, unloadModel } from '../../state/actions/model';
import { useLab } from '../../state/store';
import type { BackendPref } from '../../state/types';
import { ErrorAlert } from '../common/ErrorAlert';
import { FilePicker } from '../common/FilePicker';
import { ProgressBar } from '../common/ProgressBar';
import { Section } from '../common/Section';
import { MODEL_CATALOG } from './catalog';
import { ModelFacts } from './ModelFacts';
import { VariantPicker } from './VariantPicker';
import { ApprovedHosts } from './ApprovedHosts';
import { JudgeEndpointPanel } from '../judge/JudgeEndpointPanel';
import { startTour } from '../tour/tourActions';

/** Choose a model (demo, curated Hub list, any Hub id, a local folder), a backend and a Hub host; load it. */
export function ModelPanel() {
  const modelText = useLab((s) => s.modelText);
  const hubHost = useLab((s) => s.hubHost);
  const backendPref = useLab((s) => s.backendPref);
  const loadState = useLab((s) => s.loadState);
  const progress = useLab((s) => s.loadProgress);
  const stage = useLab((s) => s.loadStage);
  const error = useLab((s) => s.modelError);
  const listId = useId();
  const known = MODEL_CATALOG.find((m) => m.id === modelText.trim());
  const loading = loadState === 'loading';
  return (
    <div className="panel-grid">
      {loadState === 'idle' && (
        <div className="notice welcome" style={{ gridColumn: '1 / -1' }}>
          <strong>Welcome to Persona Lab.</strong> Load the bundled demo model (a few MB, instant) to start, or take the{' '}
          <button type="button" className="link" onClick={() => startTour(0)}>
            guided tour
          </button>
          . Hub models download once and are cached in this browser.
        </div>
      )}
      <Section title="Model" id="model">
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            void loadModel();
          }}
        >
          <label className="field">
            <span>Model</span>
            <input
              type="text"
              role="combobox"
              aria-label="Model"
              aria-expanded={false}
              list={listId}
              value={modelText}
              placeholder="demo, owner/name, or https://…"
              spellCheck={false}
              onChange={(e) => setModelText(e.target.value)}
            />
            <datalist id={listId}>
              {MODEL_CATALOG.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.label} · {m.size}
                </option>
              ))}
            </datalist>
          </label>
          <p className="muted small-text">
            {known
              ? `${known.label} · ${known.size} — ${known.note}`
              : 'Any Hub id with an onnx/ folder (e.g. onnx-community/…), a URL laid out like the Hub, or "demo".'}
          </p>
          <div className="row wrap">
            <label className="field inline">
              <span>Backend</span>
              <select value={backendPref} onChange={(e) => setBackendPref(e.target.value as BackendPref)} aria-label="Backend">
                <option value="auto">Auto (WebGPU, else WASM)</option>
                <option value="webgpu">WebGPU</option>
                <option value="wasm">WASM (CPU)</option>
              </select>
            </label>
            <button type="submit" className="primary" disabled={loading}>
              Load model
            </button>
            <FilePicker folder disabled={loading} inputLabel="Model folder" onFiles={(files) => void loadModel(folderSource(files))}>
              Open folder…
            </FilePicker>
            {loadState === 'ready' && (
              <button type="button" className="ghost" onClick={() => void unloadModel()}>
                Unload
              </button>
            )}
          </div>
          <VariantPicker disabled={loading} />
          <details className="advanced">
            <summary>Advanced</summary>
            <label className="field">
              <span>Hub host</span>
              <input type="url" aria-label="Hub host" value={hubHost} spellCheck={false} onChange={(e) => setHubHost(e.target.value)} />
            </label>
            <p className="muted small-text">
              A Hub mirror (same URL layout). Also settable with <code>?hub=</code> in the page address (the lab asks first). A host other than
              https://huggingface.co is contacted only once you allow it.
            </p>
            <ApprovedHosts />
          </details>
        </form>
        {loading && progress && <ProgressBar progress={progress} label={stage && !progress.total ? stage : progress.label} onCancel={cancelLoad} />}
        {loading && stage && (
          <p className="muted small-text" aria-live="polite">
            {stage}
          </p>
        )}
        <ErrorAlert error={error} />
      </Section>
      <Section title="Curated models" id="catalog">
        <ul className="catalog">
          {MODEL_CATALOG.map((m) => (
            <li key={m.id}>
              <button
                type="button"
                className={`catalog-item${modelText === m.id ? ' selected' : ''}`}
                onClick={() => setModelText(m.id)}
                aria-pressed={modelText === m.id}
              >
                <span className="catalog-name">{m.label}</span>
                <span className="badge">{m.size}</span>
                <span className="muted small-text">{m.note}</span>
              </button>
            </li>
          ))}
        </ul>
      </Section>
      <ModelFacts />
      <JudgeEndpointPanel />
    </div>
  );
}
