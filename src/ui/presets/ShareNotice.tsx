import { loadPresetModel } from '../../state/actions/presets';
import { setLab, useLab } from '../../state/store';

/** The outcome of opening a link or importing a file: restored (status), mismatch or error (alert). */
export function ShareNotice() {
  const n = useLab((s) => s.shareNotice);
  if (!n) return null;
  const dismiss = <button type="button" className="small ghost" aria-label="Dismiss" onClick={() => setLab({ shareNotice: null })}>×</button>;
  if (n.kind === 'restored') {
    return <div className="notice row" aria-live="polite"><span style={{ flex: 1 }}>{n.message}</span>{dismiss}</div>;
  }
  return (
    <div role="alert" className={n.kind === 'mismatch' ? 'alert notice warn' : 'alert'}>
      <div>
        <strong>{n.message}</strong>
        {n.hint && <div className="hint">{n.hint}</div>}
        {n.kind === 'mismatch' && n.modelId && <button type="button" className="small" style={{ marginTop: 6 }} onClick={() => void loadPresetModel()}>Load {n.modelId}</button>}
      </div>
      {dismiss}
    </div>
  );
}
