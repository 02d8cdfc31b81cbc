import type { PendingVectorReplace } from '../../state/vectorsSlice';
import type { VectorEntry } from '../../state/types';

/** What the current vector is, in a few words: where it came from and what it rests on. */
function describe(v: VectorEntry): string {
  if (v.note) return v.note;
  const n = v.samples.pos + v.samples.neg;
  return n > 0 ? `extracted from ${v.samples.pos} + ${v.samples.neg} responses` : `made for ${v.modelId}`;
}

/** "Replace the vector of <trait>?" before an imported file takes the place of a trait's vector. */
export function ReplaceVectorQuestion({
  pending,
  current,
  busy,
  onAnswer,
}: {
  pending: PendingVectorReplace;
  current: VectorEntry;
  busy: boolean;
  onAnswer: (replace: boolean) => void;
}) {
  return (
    <div className="notice warn stack" role="group" aria-label="Replace vector" aria-live="polite">
      <p>
        <strong>
          Replace the vector of {pending.trait} with {pending.fileName}?
        </strong>{' '}
        The current one ({describe(current)}){current.stats ? ' and its per-layer statistics' : ''} would be gone; keep it to leave everything as it is.
      </p>
      <div className="row">
        <button type="button" className="small danger" disabled={busy} onClick={() => onAnswer(true)}>
          Replace
        </button>
        <button type="button" className="small" disabled={busy} onClick={() => onAnswer(false)}>
          Keep the current one
        </button>
      </div>
    </div>
  );
}
