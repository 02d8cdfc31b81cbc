import type { UiError } from '../../state/types';

/** An error as message + hint in role="alert" (text only, never HTML). */
export function ErrorAlert({ error, onDismiss }: { error: UiError | null; onDismiss?: () => void }) {
  if (!error) return null;
  return (
    <div role="alert" className="alert">
      <div>
        <strong>{error.message}</strong>
        {error.hint && <div className="hint">{error.hint}</div>}
      </div>
      {onDismiss && (
        <button type="button" className="small ghost" aria-label="Dismiss" onClick={onDismiss}>
          ×
        </button>
      )}
    </div>
  );
}
