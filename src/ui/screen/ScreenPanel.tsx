import { useState } from 'react';
import { MAX_SCREEN_FILE_BYTES } from '../../persona/limits';
import { cancelScreen, flaggedJsonl, loadScreenFile, refuseLargeScreenFile, runScreen, setScreenOptions } from '../../state/actions/screen';
import { setLab, useLab } from '../../state/store';
import { downloadText } from '../common/download';
import { ErrorAlert } from '../common/ErrorAlert';
import { FilePicker } from '../common/FilePicker';
import { ProgressBar } from '../common/ProgressBar';
import { Section } from '../common/Section';
import { Histogram } from './Histogram';
import { ScreenTable } from './ScreenTable';
import { BaseModelNote } from '../common/BaseModelNote';

/** Screen a dataset for samples that would push the model toward a trait (projection difference ΔP). */
export function ScreenPanel() {
  const screen = useLab((s) => s.screen);
  const vectors = useLab((s) => s.vectors);
  const ready = useLab((s) => s.loadState === 'ready');
  const layer = useLab((s) => s.layer);
  const [over, setOver] = useState(false);
  const traits = Object.keys(vectors);
  const trait = screen.trait && vectors[screen.trait] ? screen.trait : traits[0];
  // a dropped file is refused by its size before it is read, as a picked one is (FilePicker's maxBytes)
  const readFile = async (f: File) => refuseLargeScreenFile(f.name, f.size) || loadScreenFile(f.name, await f.text());
  const flagged = screen.rows.filter((r) => r.flagged).length;
  return (
    <div className="stack">
      <Section title="Screen data" id="screen">
        <BaseModelNote where="screen" />
        <div
          className={`dropzone${over ? ' over' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={(e) => {
            e.preventDefault();
            setOver(false);
            const f = e.dataTransfer.files[0];
            if (f) void readFile(f);
          }}
        >
          <p>
            Drop a JSONL file of <code>{'{"prompt": …, "response": …}'}</code> lines here, or{' '}
            <FilePicker
              className="link"
              accept=".jsonl,.json,.txt"
              inputLabel="JSONL file"
              maxBytes={MAX_SCREEN_FILE_BYTES}
              onTooLarge={(f) => refuseLargeScreenFile(f.name, f.size)}
              onFile={readFile}
            >
              choose a file
            </FilePicker>
            .
          </p>
          {screen.fileName && (
            <p className="small-text">
              {screen.fileName}
              {screen.parseErrors.length ? ` · ${screen.parseErrors.length} broken line(s) skipped` : ''}
            </p>
          )}
        </div>
        {screen.parseErrors.length > 0 && (
          <details className="small-text">
            <summary>Broken lines ({screen.parseErrors.length})</summary>
            <ul>
              {screen.parseErrors.slice(0, 50).map((e) => (
                <li key={e.line}>
                  line {e.line}: {e.message}
                </li>
              ))}
            </ul>
          </details>
        )}
        <div className="row wrap">
          <label className="field inline">
            <span>Trait</span>
            <select aria-label="Screening trait" value={trait ?? ''} onChange={(e) => setScreenOptions({ trait: e.target.value })} disabled={!traits.length}>
              {!traits.length && <option value="">no vectors yet</option>}
              {traits.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </label>
          <label className="field inline">
            <span>Flag above percentile</span>
            <input
              type="number"
              aria-label="Flag above percentile"
              min={0}
              max={100}
              step={1}
              value={screen.flagPercentile}
              onChange={(e) => setScreenOptions({ flagPercentile: Math.max(0, Math.min(100, Number(e.target.value) || 0)) })}
            />
          </label>
          <label className="inline small-text" title="Generates the model's own answer to each prompt (slower; the paper's definition)">
            <input type="checkbox" checked={screen.full} onChange={(e) => setScreenOptions({ full: e.target.checked })} /> full ΔP (generate the model's
            answers)
          </label>
          <button type="button" className="primary" disabled={!ready || !trait || !screen.fileName || !!screen.progress} onClick={() => void runScreen()}>
            Screen
          </button>
        </div>
        <p className="muted small-text">
          ΔP = projection of the dataset response minus {screen.full ? "the model's own answer" : 'the last prompt token'} onto the trait vector at blocks.
          {layer ?? '?'}.resid_post. High ΔP: the sample pulls the model toward the trait.
        </p>
        {screen.progress && <ProgressBar progress={screen.progress} onCancel={cancelScreen} />}
        <ErrorAlert error={screen.error} onDismiss={() => setLab((s) => ({ screen: { ...s.screen, error: null } }))} />
      </Section>
      {screen.rows.length > 0 && (
        <>
          <Section title="Distribution of ΔP" id="hist">
            <Histogram values={screen.rows.map((r) => r.delta)} threshold={screen.threshold} />
          </Section>
          <Section
            title={`Results · ${flagged} flagged of ${screen.rows.length}`}
            id="results"
            actions={
              <button type="button" className="small" disabled={!flagged} onClick={() => downloadText('flagged.jsonl', flaggedJsonl(), 'application/jsonl')}>
                Export flagged
              </button>
            }
          >
            <ScreenTable rows={screen.rows} />
          </Section>
        </>
      )}
    </div>
  );
}
