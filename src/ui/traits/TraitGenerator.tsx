import { useState } from 'react';
import { cancelTraitGeneration, discardTraitDraft, generateTraitDraft } from '../../state/actions/judgeEndpoint';
import { saveTraitJson } from '../../state/actions/traits';
import { useJudgeEndpoint } from '../../state/judgeEndpointStore';
import { setLab, useLab } from '../../state/store';
import { ErrorAlert } from '../common/ErrorAlert';
import { ProgressBar } from '../common/ProgressBar';

/**
 * A trait set from a name and a one-line description (+ optional opposite), written by the judge
 * endpoint or the loaded model; shown as editable JSON for review and saved only through the same
 * validation as an import.
 */
export function TraitGenerator({ onClose }: { onClose: () => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [antonym, setAntonym] = useState('');
  const [writer, setWriter] = useState<'endpoint' | 'model'>('endpoint');
  const gen = useJudgeEndpoint((s) => s.gen);
  const modelReady = useLab((s) => s.loadState === 'ready');
  const issues = useLab((s) => s.traitIssues);
  const draftTraitName = gen.draft ? draftName(gen.draft.text) : undefined;
  const existing = useLab((s) => (draftTraitName ? s.traits.find((t) => t.set.name === draftTraitName) : undefined));
  const [text, setText] = useState<string | null>(null);
  const [saveFailed, setSaveFailed] = useState(false);
  const draftText = text ?? gen.draft?.text ?? '';
  const running = gen.progress !== null;
  return (
    <div className="stack card-inset" aria-label="Trait from a description" role="group">
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          setText(null);
          setSaveFailed(false);
          void generateTraitDraft({ name, description, antonym: antonym || undefined }, writer);
        }}
      >
        <label className="field">
          <span>Trait name (an adjective)</span>
          <input type="text" aria-label="New trait name" value={name} placeholder="curious" onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="field">
          <span>Description (one line)</span>
          <input
            type="text"
            aria-label="New trait description"
            value={description}
            placeholder="Asks follow-up questions and shows interest in the topic."
            onChange={(e) => setDescription(e.target.value)}
          />
        </label>
        <label className="field">
          <span>Opposite (optional)</span>
          <input type="text" aria-label="New trait opposite" value={antonym} placeholder="incurious" onChange={(e) => setAntonym(e.target.value)} />
        </label>
        <label className="field inline">
          <span>Written by</span>
          <select aria-label="Trait writer" value={writer} onChange={(e) => setWriter(e.target.value as 'endpoint' | 'model')}>
            <option value="endpoint">the judge endpoint (Model panel)</option>
            <option value="model" disabled={!modelReady}>
              the loaded model{modelReady ? '' : ' (none loaded)'}
            </option>
          </select>
        </label>
        <p className="muted small-text">
          Four requests: 5 instruction pairs, 20 extraction questions, 20 different evaluation questions, and a judge prompt. Review everything before you save.
        </p>
        <div className="row">
          <button type="submit" className="primary" disabled={running}>
            Generate
          </button>
          <button
            type="button"
            onClick={() => {
              discardTraitDraft();
              onClose();
            }}
          >
            Close
          </button>
        </div>
      </form>
      {gen.progress && <ProgressBar progress={gen.progress} onCancel={cancelTraitGeneration} />}
      <ErrorAlert error={gen.error} />
      {gen.draft && (
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            if (saveTraitJson(draftText, null)) {
              discardTraitDraft();
              onClose();
            } else setSaveFailed(true);
          }}
        >
          <strong>Review the generated trait ({gen.draft.writer === 'endpoint' ? 'written by the endpoint' : 'written by the loaded model'})</strong>
          {gen.draft.errors.length > 0 && (
            <div role="alert" className="alert">
              <div>
                <strong>
                  Not a valid trait set yet: {gen.draft.errors.length} problem{gen.draft.errors.length > 1 ? 's' : ''}. Fix them below or generate again.
                </strong>
                <ul className="small-text">
                  {gen.draft.errors.map((i, k) => (
                    <li key={k}>
                      <code>{i.path || '(set)'}</code> {i.message}
                    </li>
                  ))}
                </ul>
              </div>
            </div>
          )}
          {existing && (
            <p className="small-text">
              A trait named “{existing.set.name}” is in the library
              {existing.origin === 'user' ? '' : ` (${existing.origin === 'demo' ? 'demo model' : 'built-in'})`}: saving replaces it. Rename the draft to keep
              both.
            </p>
          )}
          {gen.draft.notes.length > 0 && (
            <ul className="small-text muted" aria-label="Generation notes">
              {gen.draft.notes.map((i, k) => (
                <li key={k}>
                  <code>{i.path}</code> {i.message}
                </li>
              ))}
            </ul>
          )}
          <label className="field">
            <span>Generated trait JSON</span>
            <textarea
              aria-label="Generated trait JSON"
              className="mono"
              rows={14}
              spellCheck={false}
              value={draftText}
              onChange={(e) => setText(e.target.value)}
            />
          </label>
          {saveFailed && issues.length > 0 && (
            <div role="alert" className="alert">
              <div>
                <strong>
                  Not saved: {issues.length} problem{issues.length > 1 ? 's' : ''}
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
          <div className="row">
            <button type="submit" className="primary">
              Save generated trait
            </button>
            <button
              type="button"
              onClick={() => {
                discardTraitDraft();
                setText(null);
                setLab({ traitIssues: [] });
              }}
            >
              Discard
            </button>
          </div>
        </form>
      )}
    </div>
  );
}

function draftName(text: string): string | undefined {
  try {
    const n = (JSON.parse(text) as { name?: unknown }).name;
    return typeof n === 'string' ? n.trim() : undefined;
  } catch {
    return undefined;
  }
}
