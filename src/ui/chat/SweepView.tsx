import { useState } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { runSweep } from '../../state/actions/sweep';
import { clearSweepScores, judgeSweepWithModel, SWEEP_JUDGE_LABELS, sweepJudgeChoices, type SweepJudgeKind } from '../../state/actions/sweepJudge';
import { getLab, useLab } from '../../state/store';
import { useJudgeEndpoint } from '../../state/judgeEndpointStore';
import { fmt } from '../common/format';
import { ProgressBar } from '../common/ProgressBar';
import { Section } from '../common/Section';
import { rhoOfCell } from '../traits/sweepGrid';

/** α's strength relative to the residual stream at the sweep's layer, so sweeps of other layers and readouts compare. */
function RhoBadge({ rho }: { rho: number | null }) {
  return rho === null ? null : (
    <span className="mono badge" title="ρ = α·‖v‖ / typical ‖resid‖ at this layer">
      ρ {rho > 0 ? '+' : ''}
      {fmt(rho, 2)}
    </span>
  );
}

/** α = −2…2 for one trait in one batch: the replies and the judged trait score against α. */
export function SweepView() {
  const active = useLab((s) => s.active);
  const sweep = useLab((s) => s.sweep);
  const sweptVector = useLab((s) => (s.sweep ? s.vectors[s.sweep.trait] : undefined));
  const running = useLab((s) => s.sweepRunning);
  const ready = useLab((s) => s.loadState === 'ready');
  const [pick, setPick] = useState<string>('');
  const [chosen, setRange] = useState<number | null>(null);
  const sliderAlpha = useLab((s) => Math.abs(s.alphas[active.includes(pick) ? pick : active[0]] ?? 0));
  // −2…2 by default; wider when the slider is already further out (raw α varies a lot between models)
  const range = chosen ?? Math.max(2, Math.round(sliderAlpha * 10) / 10);
  const alphas = [-range, -range / 2, 0, range / 2, range];
  const trait = active.includes(pick) ? pick : active[0];
  const [judgePick, setJudge] = useState<SweepJudgeKind | null>(null);
  const [judging, setJudging] = useState(false);
  const [judgedBy, setJudgedBy] = useState<SweepJudgeKind | null>(null);
  const sampled = useJudgeEndpoint((s) => s.report?.scoring === 'sampled');
  if (!trait) return null;
  const choices = sweepJudgeChoices(trait);
  const judge = judgePick && choices.includes(judgePick) ? judgePick : choices[0];
  const sweepAndJudge = async () => {
    const before = getLab().sweep;
    await runSweep(trait, alphas);
    if (getLab().sweep === before) return; // the sweep failed: its error is shown, nothing to judge
    if (judge === 'none') clearSweepScores();
    if (judge === 'self' || judge === 'endpoint') {
      setJudging(true);
      try {
        await judgeSweepWithModel(judge);
      } finally {
        setJudging(false);
      }
    }
    setJudgedBy(judge);
  };
  return (
    <Section title="Coefficient sweep" id="sweep">
      <div className="row wrap">
        <select aria-label="Sweep trait" value={trait} onChange={(e) => setPick(e.target.value)}>
          {active.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <label className="field inline">
          <span>± α</span>
          <input
            type="number"
            aria-label="Sweep range"
            min={0.5}
            max={100}
            step={0.5}
            value={range}
            onChange={(e) => setRange(Math.max(0.5, Math.min(100, Number(e.target.value) || 2)))}
          />
        </label>
        <label className="field inline">
          <span>Judge</span>
          <select aria-label="Sweep judge" value={judge} onChange={(e) => setJudge(e.target.value as SweepJudgeKind)}>
            {choices.map((c) => (
              <option key={c} value={c}>
                {SWEEP_JUDGE_LABELS[c]}
              </option>
            ))}
          </select>
        </label>
        <button type="button" disabled={!ready || running || judging} onClick={() => void sweepAndJudge()}>
          Sweep α {-range}…{range}
        </button>
      </div>
      {running && <ProgressBar progress={{ label: `Generating ${alphas.length} replies in one batch`, done: 0, total: null, etaSeconds: null }} />}
      {judging && (
        <ProgressBar
          progress={{
            label: `${judge === 'endpoint' ? 'The judge endpoint scores' : 'The model judges'} ${alphas.length} replies with the trait's judge prompt`,
            done: 0,
            total: null,
            etaSeconds: null,
          }}
        />
      )}
      {sweep && (
        <div className="stack" role="group" aria-label="Sweep results">
          {sweep.points.some((p) => p.score !== null) ? (
            <div className="chart" style={{ height: 150 }} role="img" aria-label={`Judged ${sweep.trait} score against α`}>
              <ResponsiveContainer width="100%" height="100%">
                <LineChart data={sweep.points} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
                  <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
                  <XAxis dataKey="alpha" tick={{ fontSize: 10, fill: 'var(--muted)' }} />
                  <YAxis domain={[0, 100]} tick={{ fontSize: 10, fill: 'var(--muted)' }} width={32} />
                  <Tooltip
                    contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)' }}
                    formatter={(v) => fmt(Number(v), 0)}
                    labelFormatter={(a) => `α ${a}`}
                  />
                  <Line dataKey="score" stroke="var(--accent)" strokeWidth={2} isAnimationActive={false} />
                </LineChart>
              </ResponsiveContainer>
            </div>
          ) : (
            <p className="muted small-text">
              {judging
                ? 'Judging…'
                : `No scores for “${sweep.trait}”${judgedBy === 'self' ? ': the model gave no usable score (it may not answer with a number)' : ''}; compare the replies below, or pick a judge and sweep again.`}
            </p>
          )}
          {judgedBy && sweep.points.some((p) => p.score !== null) && (
            <p className="muted small-text">
              Scored by {SWEEP_JUDGE_LABELS[judgedBy]}
              {judgedBy === 'self' ? ' — a small model is a weak judge: read the replies too' : ''}
              {judgedBy === 'endpoint' && sampled ? ' — sampled scores (the endpoint sends no logprobs)' : ''}.
            </p>
          )}
          <ol className="sweep-list">
            {sweep.points.map((p) => (
              <li key={p.alpha}>
                <span className="mono badge">
                  α {p.alpha > 0 ? '+' : ''}
                  {p.alpha}
                </span>
                {sweptVector && p.alpha !== 0 && <RhoBadge rho={rhoOfCell(sweptVector, { layer: sweep.layer, alpha: p.alpha })} />}
                {p.score !== null && <span className="mono badge">score {fmt(p.score, 0)}</span>}
                <span>{p.text || '(empty)'}</span>
              </li>
            ))}
          </ol>
        </div>
      )}
    </Section>
  );
}
