/**
 * The shuffled-label controls of the post-Extract sweep (persona/pipeline/specificity.ts), beside the
 * grid: for each cell checked, best first, the real vector's trait / coherence and each control
 * vector's at the same layer and ρ, and whether the cell passed. The suggested cell is the first
 * that passed.
 */
import type { VectorEntry } from '../../state/types';
import { fmt } from '../common/format';
import { rhoOfCell } from './sweepGrid';

const score = (x: number | null) => (x === null ? '—' : fmt(x, 0));

export function SpecificityControls({ vector }: { vector: VectorEntry }) {
  const sweep = vector.sweep;
  if (!sweep) return null;
  const controls = sweep.controls;
  if (!controls) {
    return sweep.controlsChecked > 0 ? (
      <p className="muted small-text">
        {sweep.controlsChecked} cell(s) were checked with shuffled-label controls; this sweep was saved before their results were kept. Extract again to see
        them.
      </p>
    ) : null;
  }
  if (controls.length === 0) {
    return (
      <p className="muted small-text" role="note">
        Specificity controls: no cell was checked (none beat the unsteered baseline while staying coherent).
      </p>
    );
  }
  const count = Math.max(...controls.map((c) => c.shuffled.length));
  const s = sweep.suggested;
  return (
    <table className="small-text" aria-label="Specificity controls">
      <caption className="muted small-text" style={{ captionSide: 'top', textAlign: 'left' }}>
        Specificity controls: vectors from the same responses with shuffled pos/neg labels (the real direction projected out, scaled to its norm), steered at
        the same layer and ρ. A cell passes when no control raises the trait much above unsteered.
      </caption>
      <thead>
        <tr>
          <th>cell</th>
          <th>real</th>
          {Array.from({ length: count }, (_, i) => (
            <th key={i}>control {i + 1}</th>
          ))}
          <th>verdict</th>
        </tr>
      </thead>
      <tbody>
        {controls.map((c, i) => {
          const rho = rhoOfCell(vector, c.cell);
          const chosen = s !== null && c.cell.layer === s.layer && c.cell.alpha === s.alpha;
          return (
            <tr key={i} aria-current={chosen || undefined} style={chosen ? { fontWeight: 700 } : undefined}>
              <td className="mono">{`${chosen ? '▸ ' : ''}L${c.cell.layer} · ${rho === null ? `α ${fmt(c.cell.alpha, 2)}` : `ρ ${fmt(rho, 2)}`}`}</td>
              <td>
                {score(c.cell.trait)} / {score(c.cell.coherence)}
              </td>
              {Array.from({ length: count }, (_, k) => {
                const x = c.shuffled[k];
                return (
                  <td
                    key={k}
                    title={x ? `cosine of the shuffled row to the real one before projection: ${fmt(x.cos, 2)}` : 'not run: an earlier control already steered'}
                  >
                    {x ? `${score(x.trait)} / ${score(x.coherence)}` : '—'}
                  </td>
                );
              })}
              <td>{c.specific ? (chosen ? 'passed · suggested' : 'passed') : 'a control steers too'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
