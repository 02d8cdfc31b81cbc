import type { JobProgress } from '../../state/types';
import { formatBytes, formatEta } from './format';

/** A labelled progressbar with counts, ETA and an optional cancel button. */
export function ProgressBar({ progress, onCancel, label }: { progress: JobProgress; onCancel?: () => void; label?: string }) {
  const { done, total, etaSeconds, unit } = progress;
  const pct = total ? Math.min(100, (100 * done) / total) : undefined;
  const counts = unit === 'bytes' ? `${formatBytes(done)}${total ? ` of ${formatBytes(total)}` : ''}` : `${done}${total ? ` / ${total}` : ''} ${unit ?? ''}`;
  return (
    <div className="progress">
      <div className="progress-head">
        <span>{label ?? progress.label}</span>
        <span className="muted">
          {counts}
          {etaSeconds !== null ? ` · ${formatEta(etaSeconds)}` : ''}
        </span>
        {onCancel && (
          <button type="button" className="small" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label ?? progress.label}
        aria-valuemin={0}
        aria-valuemax={total ?? undefined}
        aria-valuenow={total ? done : undefined}
        aria-valuetext={`${counts}${pct !== undefined ? ` (${Math.round(pct)}%)` : ''}`}
      >
        <div className={pct === undefined ? 'progress-fill indeterminate' : 'progress-fill'} style={pct === undefined ? undefined : { width: `${pct}%` }} />
      </div>
    </div>
  );
}
