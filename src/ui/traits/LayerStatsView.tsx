import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { rowOfLayer } from '../../engine/hooks';
import { setVectorLayer } from '../../state/actions/extract';
import { setLayer } from '../../state/actions/steering';
import { useLab } from '../../state/store';
import type { VectorEntry } from '../../state/types';
import { fmt } from '../common/format';
import { readoutOf } from './readoutText';

const METRICS = [
  { key: 'norm', label: '‖v‖ (vector norm)' },
  { key: 'cohensD', label: "Cohen's d (pos vs neg projections)" },
  { key: 'auroc', label: 'AUROC' },
] as const;

/** Per-layer statistics of a vector (norm, Cohen's d, AUROC) and the chosen layer. */
export function LayerStatsView({ vector }: { vector: VectorEntry }) {
  const steerLayer = useLab((s) => s.layer);
  if (!vector.stats) {
    const rows = vector.presentRows ?? Array.from({ length: vector.rows }, (_, r) => r);
    const blocks = rows.filter((r) => r >= 1).map((r) => r - 1);
    const where = blocks.length === 1 ? `layer ${blocks[0]} only` : `${blocks.length} layers`;
    return (
      <p className="muted small-text">
        This vector {vector.note?.startsWith('imported') ? 'was imported from a file' : 'came from a preset'}: it holds {where}, without per-layer statistics.
        Its layer: <span className="mono">blocks.{vector.layer}.resid_post</span>.{' '}
        {steerLayer !== vector.layer && (
          <button type="button" className="small" onClick={() => setLayer(vector.layer)}>
            Steer at layer {vector.layer}
          </button>
        )}
      </p>
    );
  }
  const data = vector.stats.filter((s) => s.layer >= 0).map((s) => ({ layer: s.layer, norm: s.norm, cohensD: s.cohensD, auroc: s.auroc }));
  return (
    <div className="stack" role="group" aria-label="Per-layer statistics">
      <div className="row wrap small-text">
        <span>
          Suggested layer: <strong className="mono">blocks.{vector.layer}.resid_post</strong>{' '}
          {vector.sweep?.suggested ? (
            '(where the steering sweep below found steering that works)'
          ) : (
            <>
              (highest Cohen's d of the <span className="mono">{readoutOf(vector)}</span> vector among the middle layers)
            </>
          )}
        </span>
        {steerLayer !== vector.layer && (
          <button type="button" className="small" onClick={() => setLayer(vector.layer)}>
            Steer at layer {vector.layer}
          </button>
        )}
      </div>
      <div className="panel-grid" style={{ gridTemplateColumns: 'repeat(auto-fit, minmax(220px, 1fr))' }}>
        {METRICS.map((m) => (
          <figure key={m.key} className="chart" style={{ margin: 0 }} aria-label={m.label}>
            <figcaption className="muted small-text">{m.label}</figcaption>
            <div style={{ height: 130 }}>
              <ResponsiveContainer width="100%" height="100%">
                <LineChart
                  data={data}
                  margin={{ top: 6, right: 8, bottom: 0, left: 0 }}
                  onClick={(e) => {
                    const l = Number(e?.activeLabel);
                    if (Number.isInteger(l)) setVectorLayer(vector.trait, l);
                  }}
                >
                  <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
                  <XAxis dataKey="layer" tick={{ fontSize: 10, fill: 'var(--muted)' }} />
                  <YAxis
                    tick={{ fontSize: 10, fill: 'var(--muted)' }}
                    width={40}
                    domain={m.key === 'auroc' ? [0, 1] : ['auto', 'auto']}
                    tickFormatter={(v: number) => fmt(v, 1)}
                  />
                  <Tooltip
                    contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)' }}
                    labelFormatter={(l) => `blocks.${l}.resid_post`}
                    formatter={(v) => fmt(Number(v), 3)}
                  />
                  <ReferenceLine x={vector.layer} stroke="var(--accent-2)" strokeDasharray="4 2" />
                  <Line dataKey={m.key} stroke="var(--accent)" strokeWidth={2} isAnimationActive={false} />
                </LineChart>
              </ResponsiveContainer>
            </div>
          </figure>
        ))}
      </div>
      <table className="small-text">
        <caption className="sr-only">Per-layer statistics table</caption>
        <thead>
          <tr>
            <th>layer</th>
            <th>‖v‖</th>
            <th>Cohen's d</th>
            <th>AUROC</th>
            <th>typical ‖resid‖</th>
          </tr>
        </thead>
        <tbody>
          {data.map((d) => (
            <tr key={d.layer} aria-current={d.layer === vector.layer}>
              <td className="mono">{d.layer === vector.layer ? `▸ ${d.layer}` : d.layer}</td>
              <td>{fmt(d.norm)}</td>
              <td>{fmt(d.cohensD)}</td>
              <td>{fmt(d.auroc)}</td>
              <td>{fmt(vector.typicalNorms?.[rowOfLayer(d.layer)])}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
