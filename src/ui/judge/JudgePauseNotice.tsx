import { resumeJudge } from '../../state/actions/judgeEndpoint';
import { useJudgeEndpoint } from '../../state/judgeEndpointStore';

/** A run waiting for the judge endpoint to come back: why, what to do, and Resume. */
export function JudgePauseNotice() {
  const pause = useJudgeEndpoint((s) => s.pause);
  if (!pause) return null;
  return (
    <div role="alert" className="alert" aria-label="Run paused">
      <div>
        <strong>{pause.message}</strong>
        {pause.hint && <div className="hint">{pause.hint}</div>}
      </div>
      <button type="button" className="small primary" onClick={resumeJudge}>
        Resume
      </button>
    </div>
  );
}
