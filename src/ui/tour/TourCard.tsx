import { useEffect } from 'react';
import { useLab } from '../../state/store';
import { ErrorAlert } from '../common/ErrorAlert';
import { TOUR } from './steps';
import { closeTour, goToTourStep } from './tourActions';

/** The tour's caption card: step, plain-language caption, back/next, a link to this step. */
export function TourCard() {
  const step = useLab((s) => s.tourStep);
  const busy = useLab((s) => s.tourBusy);
  const error = useLab((s) => s.tourError);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') closeTour();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  if (step === null) return null;
  const s = TOUR[step];
  const link = `${window.location.href.split('#')[0]}#tour=${step + 1}`;
  return (
    <aside className="tour" role="dialog" aria-modal="false" aria-label="Guided tour">
      <div className="row">
        <h2 style={{ flex: 1 }}>
          Tour · step {step + 1} of {TOUR.length}
        </h2>
        <button type="button" className="small ghost" aria-label="Close tour" onClick={closeTour}>
          ×
        </button>
      </div>
      <strong>{s.title}</strong>
      <p className="tour-caption">{s.caption}</p>
      {busy && (
        <p className="muted small-text" aria-live="polite">
          Running this step on the model…
        </p>
      )}
      <ErrorAlert error={error} />
      <div className="tour-nav">
        <a
          className="muted small-text"
          href={link}
          onClick={(e) => {
            e.preventDefault();
            void navigator.clipboard?.writeText(link).catch(() => undefined);
            history.replaceState(null, '', link);
          }}
          title="Link that opens the lab at this step"
        >
          Link to this step
        </a>
        <button type="button" disabled={step === 0} onClick={() => void goToTourStep(step - 1)}>
          Back
        </button>
        {step < TOUR.length - 1 ? (
          <button type="button" className="primary" onClick={() => void goToTourStep(step + 1)}>
            Next
          </button>
        ) : (
          <button type="button" className="primary" onClick={closeTour}>
            Finish
          </button>
        )}
      </div>
    </aside>
  );
}
