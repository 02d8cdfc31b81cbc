import { setExtractJudge } from '../../state/actions/judgeEndpoint';
import { LAB_JUDGE_LABELS, useJudgeEndpoint, type LabJudgeChoice } from '../../state/judgeEndpointStore';

/** Which judge scores the extraction's responses (filter and sweep): lexicon, loaded model, endpoint or none. */
export function ExtractJudgeSelect() {
  const choice = useJudgeEndpoint((s) => s.extractJudge);
  const scoring = useJudgeEndpoint((s) => s.report?.scoring ?? null);
  return (
    <label className="field inline">
      <span>Judge</span>
      <select aria-label="Extraction judge" value={choice} onChange={(e) => setExtractJudge(e.target.value as LabJudgeChoice)}>
        {(Object.keys(LAB_JUDGE_LABELS) as LabJudgeChoice[]).map((c) => (
          <option key={c} value={c}>
            {LAB_JUDGE_LABELS[c]}
            {c === 'endpoint' && scoring === 'sampled' ? ' — sampled scores' : ''}
          </option>
        ))}
      </select>
    </label>
  );
}
