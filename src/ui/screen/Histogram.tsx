import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { fmt } from '../common/format';

/** Histogram of values; bins above the threshold are coloured as flagged. */
export function Histogram({ values, threshold, bins = 20 }: { values: number[]; threshold: number | null; bins?: number }) {
  const finite = values.filter((v) => Number.isFinite(v));
  if (!finite.length) return null;
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const width = (hi - lo) / bins || 1;
  const data = Array.from({ length: bins }, (_, i) => ({ x: lo + (i + 0.5) * width, count: 0 }));
  for (const v of finite) data[Math.min(bins - 1, Math.floor((v - lo) / width))].count++;
  return (
    <div className="chart" style={{ height: 160 }} aria-label="Histogram of ΔP">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" vertical={false} />
          <XAxis dataKey="x" tick={{ fontSize: 10, fill: 'var(--muted)' }} tickFormatter={(v: number) => fmt(v, 1)} />
          <YAxis allowDecimals={false} tick={{ fontSize: 10, fill: 'var(--muted)' }} width={32} />
          <Tooltip contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)' }} labelFormatter={(v) => `ΔP ≈ ${fmt(Number(v), 2)}`} />
          <Bar dataKey="count" isAnimationActive={false}>
            {data.map((d, i) => (
              <Cell key={i} fill={threshold !== null && d.x - width / 2 >= threshold ? 'var(--danger)' : 'var(--accent)'} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
