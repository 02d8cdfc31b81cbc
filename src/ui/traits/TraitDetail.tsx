import { useState } from 'react';
import { cancelExtraction, extractTrait } from '../../state/actions/extract';
import { deleteTrait, duplicateTrait, exportTraitJson, saveTraitJson } from '../../state/actions/traits';
import { exportTraitSet } from '../../persona/traitSet';
import { setLab, useLab } from '../../state/store';
import type { TraitEntry } from '../../state/types';
import { downloadText } from '../common/download';
import { ErrorAlert } from '../common/ErrorAlert';
import { ProgressBar } from '../common/ProgressBar';
import { JudgePauseNotice } from '../judge/JudgePauseNotice';
import { Section } from '../common/Section';
import { ExtractSettingsForm } from './ExtractSettingsForm';
import { LayerStatsView } from './LayerStatsView';
import { SteeringSweepView } from './SteeringSweepView';
import { READOUT_HELP, readoutOf } from './readoutText';
import { VectorFiles } from './VectorFiles';
import { BaseModelNote } from '../common/BaseModelNote';

/** One trait: what it is, the editor, extraction with live progress, and its vector's per-layer stats. */
export function TraitDetail({ entry }: { entry: TraitEntry }) {
  const t = entry.set;
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState('');
  const issues = useLab((s) => s.traitIssues);
  const extraction = useLab((s) => s.extraction);
  const extractError = useLab((s) => s.extractError);
  const vector = useLab((s) => s.vectors[t.name]);
  const ready = useLab((s) => s.loadState === 'ready');
  const mine = extraction?.trait === t.name;
  return (
    <div className="stack">
      <Section
        title={`Trait: ${t.name}`}
        id="trait"
        actions={
          <>
            <button
              type="button"
              className="small"
              onClick={() => {
                setText(exportTraitSet(t));
                setEditing(true);
              }}
            >
              Edit
            </button>
            <button type="button" className="small" onClick={() => duplicateTrait(t.name)}>
              Duplicate
            </button>
            <button
              type="button"
              className="small"
              onClick={() => {
                const j = exportTraitJson(t.name);
                if (j) downloadText(`${t.name}.json`, j);
              }}
            >
              Export
            </button>
            <button
              type="button"
              className="small danger"
              onClick={() => {
                if (confirm(`Delete the trait "${t.name}"?`)) deleteTrait(t.name);
              }}
            >
              Delete
            </button>
          </>
        }
      >
        <p>{t.description || <span className="muted">No description.</span>}</p>
        <p className="muted small-text">
          {t.instruction.length} instruction pairs · {t.extraction_questions.length} extraction questions · {t.evaluation_questions.length} evaluation questions
          · opposite: {t.antonym || 'helpful'}
        </p>
        <details>
          <summary className="small-text">Example prompts</summary>
          <div className="stack small-text">
            <p>
              <strong>Positive:</strong> {t.instruction[0]?.pos}
            </p>
            <p>
              <strong>Negative:</strong> {t.instruction[0]?.neg}
            </p>
            <p>
              <strong>Question:</strong> {t.extraction_questions[0]}
            </p>
          </div>
        </details>
        {editing && (
          <form
            className="stack"
            onSubmit={(e) => {
              e.preventDefault();
              if (saveTraitJson(text, t.name)) setEditing(false);
            }}
          >
            <label className="field">
              <span>Trait JSON (paper format plus name, description, antonym)</span>
              <textarea aria-label="Trait JSON" className="mono" rows={14} value={text} spellCheck={false} onChange={(e) => setText(e.target.value)} />
            </label>
            <div className="row">
              <button type="submit" className="primary">
                Save trait
              </button>
              <button
                type="button"
                onClick={() => {
                  setEditing(false);
                  setLab({ traitIssues: [] });
                }}
              >
                Cancel
              </button>
            </div>
          </form>
        )}
        {issues.length > 0 && (
          <div role="alert" className="alert">
            <div>
              <strong>
                The trait has {issues.length} problem{issues.length > 1 ? 's' : ''}
              </strong>
              <ul className="small-text">
                {issues.map((i, k) => (
                  <li key={k}>
                    <code>{i.path || '(file)'}</code> {i.message}
                  </li>
                ))}
              </ul>
            </div>
          </div>
        )}
      </Section>
      <Section title="Persona vector" id="vector">
        <BaseModelNote where="traits" />
        <ExtractSettingsForm />
        <div className="row">
          <button type="button" className="primary" disabled={!ready || !!extraction} onClick={() => void extractTrait(t.name)}>
            Extract
          </button>
          {!ready && <span className="muted small-text">Load a model first.</span>}
          {vector && (
            <span className="muted small-text" title={READOUT_HELP[readoutOf(vector)]}>
              <span className="mono">{readoutOf(vector)}</span> readout ·{' '}
              {vector.samples.pos + vector.samples.neg > 0 ? `${vector.samples.pos} + ${vector.samples.neg} responses · ` : ''}
              {vector.modelId}
              {vector.note ? ` · ${vector.note}` : ''}
            </span>
          )}
        </div>
        {mine && extraction && <ProgressBar progress={extraction.progress} label={extraction.phase} onCancel={cancelExtraction} />}
        {mine && extraction && <JudgePauseNotice />}
        <ErrorAlert error={extractError} onDismiss={() => setLab({ extractError: null })} />
        <VectorFiles trait={t.name} />
        {vector && <LayerStatsView vector={vector} />}
        {vector?.sweep && <SteeringSweepView vector={vector} />}
      </Section>
    </div>
  );
}
