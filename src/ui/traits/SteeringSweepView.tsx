import { setAlpha, setLayer, setSteeringOption } from '../../state/actions/steering';
import { LAB_SWEEP_COHERENCE_MIN, LAB_SWEEP_RHOS } from '../../persona/pipeline/labSweep';
import { useLab } from '../../state/store';
import type { VectorEntry } from '../../state/types';
import { fmt } from '../common/format';
import { readoutOf } from './readoutText';

/**
 * The steering sweep run after Extract: mean judged trait score and coherence per layer × strength,
 * the suggested cell (best coherent one that the shuffled-label controls do not also move) and why.
 */
export function SteeringSweepView({ vector }: { vector: VectorEntry }) {
  const layer = useLab((s) => s.layer);
  const alpha = useLab((s) => s.alphas[vector.trait] ?? 0);
  const sweep = vector.sweep;
  if (!sweep || !Array.isArray(sweep.cells)) return null;
  const baseline = sweep.cells.find((c) => c.layer === null);
  const layers = [...new Set(sweep.cells.filter((c) => c.layer !== null).map((c) => c.layer!))].sort((a, b) => a - b);
  const s = sweep.suggested;
  const inUse = s !== null && layer === s.layer && Math.abs(alpha - s.alpha) < 1e-9;
  const use = () => {
    if (!s || s.layer === null) return;
    setSteeringOption({ positions: s.positions ?? 'response' }, false);
    setLayer(s.layer);
    setAlpha(vector.trait, s.alpha);
  };
  const score = (x: number | null) => (x === null ? '—' : fmt(x, 0));
  return (
    <div className="stack" role="group" aria-label="Steering sweep">
      <div className="row wrap small-text">
        {s ? (
          <span>
            Suggested: <strong className="mono">α {fmt(s.alpha, 2)} at blocks.{s.layer}.resid_post</strong> — trait {score(s.trait)} (unsteered {score(baseline?.trait ?? null)}),
            coherence {score(s.coherence)}{sweep.controlsChecked > 0 ? '; shuffled-label control vectors of the same strength did not raise the trait there' : ''}.
          </span>
        ) : (
          <span>No suggested strength: {sweep.note ?? 'the sweep found none'}.</span>
        )}
        {s && !inUse && <button type="button" className="small" onClick={use}>Use suggested strength</button>}
      </div>
      <table className="small-text">
        <caption className="muted small-text" style={{ captionSide: 'top', textAlign: 'left' }}>
          Steering sweep after Extract: the <span className="mono">{readoutOf(vector)}</span> vector added at the response positions, no system prompt,
          {' '}{baseline?.n ?? 0} evaluation questions. Each cell: mean trait score / coherence (0–100); strengths as a share of the typical residual norm.
          Cells below coherence {LAB_SWEEP_COHERENCE_MIN} cannot be suggested.
        </caption>
        <thead>
          <tr><th>layer</th>{LAB_SWEEP_RHOS.map((r) => <th key={r}>{fmt(r * 100, 0)}% ‖resid‖</th>)}</tr>
        </thead>
        <tbody>
          <tr><td>unsteered</td><td colSpan={LAB_SWEEP_RHOS.length}>{score(baseline?.trait ?? null)} / {score(baseline?.coherence ?? null)}</td></tr>
          {layers.map((l) => {
            const row = sweep.cells.filter((c) => c.layer === l);
            return (
              <tr key={l}>
                <td className="mono">{l}</td>
                {LAB_SWEEP_RHOS.map((r, i) => {
                  const c = row[i];
                  const picked = c && s && c.layer === s.layer && c.alpha === s.alpha;
                  return (
                    <td key={r} aria-current={picked || undefined} title={c ? `α ${fmt(c.alpha, 2)}` : undefined} style={picked ? { fontWeight: 700 } : undefined}>
                      {c ? `${picked ? '▸ ' : ''}${score(c.trait)} / ${score(c.coherence)}` : '—'}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
