import { loadPresetModel } from '../../state/actions/presets';
import { setLab, useLab } from '../../state/store';

/** What the last α to enter the lab was clamped from and to (a slider, a preset, a link, an import). */
export function AlphaNote() {
  const note = useLab((s) => s.alphaNote);
  if (!note) return null;
  return (
    <div role="status" aria-label="α clamped" className="notice warn row">
      <span style={{ flex: 1 }}>α outside the sensible range was clamped — {note}.</span>
      <button type="button" className="small ghost" aria-label="Dismiss α note" onClick={() => setLab({ alphaNote: null })}>
        ×
      </button>
    </div>
  );
}

/** The outcome of opening a link or importing a file (restored: status; mismatch or error: alert), and any α clamp note. */
export function ShareNotice() {
  return (
    <>
      <AlphaNote />
      <ShareOutcome />
    </>
  );
}

function ShareOutcome() {
  const n = useLab((s) => s.shareNotice);
  if (!n) return null;
  const dismiss = (
    <button type="button" className="small ghost" aria-label="Dismiss" onClick={() => setLab({ shareNotice: null })}>
      ×
    </button>
  );
  if (n.kind === 'restored') {
    return (
      <div className="notice row" aria-live="polite">
        <span style={{ flex: 1 }}>{n.message}</span>
        {dismiss}
      </div>
    );
  }
  return (
    <div role="alert" className={n.kind === 'mismatch' ? 'alert notice warn' : 'alert'}>
      <div>
        <strong>{n.message}</strong>
        {n.hint && <div className="hint">{n.hint}</div>}
        {n.kind === 'mismatch' && n.modelId && (
          <button type="button" className="small" style={{ marginTop: 6 }} onClick={() => void loadPresetModel()}>
            Load {n.modelId}
          </button>
        )}
      </div>
      {dismiss}
    </div>
  );
}
