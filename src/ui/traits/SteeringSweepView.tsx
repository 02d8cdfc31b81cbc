import { setAlpha, setLayer, setSteeringOption } from '../../state/actions/steering';
import { LAB_SWEEP_COHERENCE_MIN } from '../../persona/pipeline/labSweep';
import { useLab } from '../../state/store';
import type { VectorEntry } from '../../state/types';
import { fmt } from '../common/format';
import { readoutOf } from './readoutText';
import { SpecificityControls } from './SpecificityControls';
import { rhoOfCell, sweepGrid } from './sweepGrid';

/**
 * The steering sweep run after Extract: mean judged trait score and coherence per layer × strength,
 * the suggested cell (best coherent one that the shuffled-label controls do not also move) and why.
 */
export function SteeringSweepView({ vector }: { vector: VectorEntry }) {
  const layer = useLab((s) => s.layer);
  const alpha = useLab((s) => s.alphas[vector.trait] ?? 0);
  const sweep = vector.sweep;
  if (!sweep || !Array.isArray(sweep.cells)) return null;
  const grid = sweepGrid(vector, sweep);
  const baseline = grid.baseline;
  const s = sweep.suggested;
  const suggestedRho = s ? rhoOfCell(vector, s) : null;
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
            Suggested:{' '}
            <strong className="mono">
              {suggestedRho !== null ? `ρ ${fmt(suggestedRho, 2)} (α ${fmt(s.alpha, 2)})` : `α ${fmt(s.alpha, 2)}`} at blocks.{s.layer}.resid_post
            </strong>{' '}
            — trait {score(s.trait)} (unsteered {score(baseline?.trait ?? null)}), coherence {score(s.coherence)}
            {sweep.controlsChecked > 0 ? '; shuffled-label control vectors of the same strength did not raise the trait there' : ''}.
          </span>
        ) : (
          <span>No suggested strength: {sweep.note ?? 'the sweep found none'}.</span>
        )}
        {s && !inUse && (
          <button type="button" className="small" onClick={use}>
            Use suggested strength
          </button>
        )}
      </div>
      <div className="row wrap sweep-tables">
        <table className="small-text" aria-label="Sweep grid">
          <caption className="muted small-text" style={{ captionSide: 'top', textAlign: 'left' }}>
            Steering sweep after Extract: the <span className="mono">{readoutOf(vector)}</span> vector added at the response positions, no system prompt,{' '}
            {baseline?.n ?? 0} evaluation questions. Each cell: mean trait score / coherence (0–100). Columns are ρ = α·‖v‖ / typical ‖resid‖ at the layer, so
            layers and readouts compare; hover a cell for its α. Cells below coherence {LAB_SWEEP_COHERENCE_MIN} cannot be suggested.
          </caption>
          <thead>
            <tr>
              <th>layer</th>
              {grid.rhos.map((r) => (
                <th key={r} title={`${fmt(r * 100, 0)}% of the typical residual norm`}>
                  ρ {fmt(r, 2)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            <tr>
              <td>unsteered</td>
              <td colSpan={grid.rhos.length}>
                {score(baseline?.trait ?? null)} / {score(baseline?.coherence ?? null)}
              </td>
            </tr>
            {grid.rows.map(({ layer: l, cells }) => (
              <tr key={l}>
                <td className="mono">{l}</td>
                {cells.map((c, i) => {
                  const picked = c !== null && s !== null && c.layer === s.layer && c.alpha === s.alpha;
                  return (
                    <td
                      key={grid.rhos[i]}
                      aria-current={picked || undefined}
                      title={c ? `ρ ${fmt(grid.rhos[i], 2)} = α ${fmt(c.alpha, 3)} at this layer` : undefined}
                      style={picked ? { fontWeight: 700 } : undefined}
                    >
                      {c ? `${picked ? '▸ ' : ''}${score(c.trait)} / ${score(c.coherence)}` : '—'}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
        <SpecificityControls vector={vector} />
      </div>
    </div>
  );
}
