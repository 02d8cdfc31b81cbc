import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { hookName } from '../../engine/hooks';
import { fmt } from '../common/format';

/** ‖resid‖ of the last prompt token at every hook point: how the residual stream grows with depth. */
export function LayerActivations({ norms, label = 'Per-layer activations' }: { norms: number[]; label?: string }) {
  const data = norms.map((n, r) => ({ hook: r === 0 ? 'embed' : `b${r - 1}`, full: hookName(r), norm: n }));
  return (
    <section aria-label={label} className="layer-acts">
      <div className="muted small-text">Residual-stream norm at the last prompt token, per hook point</div>
      <div className="chart" style={{ height: 120 }}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" vertical={false} />
            <XAxis dataKey="hook" tick={{ fontSize: 10, fill: 'var(--muted)' }} interval="preserveStartEnd" />
            <YAxis tick={{ fontSize: 10, fill: 'var(--muted)' }} width={44} tickFormatter={(v: number) => fmt(v, 0)} />
            <Tooltip
              contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)' }}
              labelFormatter={(_, p) => String(p?.[0]?.payload?.full ?? '')}
              formatter={(v) => fmt(Number(v), 2)}
            />
            <Bar dataKey="norm" fill="var(--accent)" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <ol className="sr-only">
        {data.map((d) => (
          <li key={d.full}>
            {d.full}: {fmt(d.norm, 2)}
          </li>
        ))}
      </ol>
    </section>
  );
}
