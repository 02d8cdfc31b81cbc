import { useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { TokenMonitor } from '../../state/types';
import { fmt } from '../common/format';
import { seriesColor, tint } from './colors';

/** Shows a token as text, making whitespace and newlines visible enough to hover. */
function tokenText(t: string): string {
  return t.replace(/\n/g, '⏎');
}

/**
 * Per-token projection of a text onto each active trait at the monitored layer: a line chart and
 * the text tinted token by token (hover shows the number). Only the response part is tinted
 * unless `showPrompt`.
 */
export function TokenProjection({
  monitor,
  showPrompt = false,
  title = 'Per-token projection',
  region = true,
  live = false,
}: {
  monitor: TokenMonitor;
  showPrompt?: boolean;
  title?: string;
  region?: boolean;
  live?: boolean;
}) {
  const traits = Object.keys(monitor.projections);
  const [focus, setFocus] = useState(0);
  const trait = traits[Math.min(focus, traits.length - 1)];
  const start = showPrompt ? 0 : monitor.promptLength;
  const data = monitor.tokens.slice(start).map((tok, i) => {
    // trait names are a user's strings: series are read by position, never as object keys or recharts paths ("a.b")
    return { i: start + i, token: tokenText(tok), values: traits.map((t) => monitor.projections[t][start + i]) };
  });
  // while a reply streams, the newest token's projection arrives with the next step
  const values = trait ? monitor.projections[trait].slice(start).filter((x) => x !== undefined) : [];
  // baseline: where the prompt sits (mean over prompt tokens); tint shows the shift from it
  const promptVals = trait ? monitor.projections[trait].slice(0, monitor.promptLength) : [];
  const mean =
    showPrompt || !promptVals.length
      ? values.length
        ? values.reduce((a, b) => a + b, 0) / values.length
        : 0
      : promptVals.reduce((a, b) => a + b, 0) / promptVals.length;
  const maxAbs = Math.max(1e-9, ...values.map((x) => Math.abs(x - mean)));
  return (
    <section className="projection" aria-label={title} role={region ? undefined : 'group'} aria-busy={live} data-live={live || undefined}>
      {traits.length === 0 ? (
        <p className="muted small-text">
          No active trait vectors to project onto at blocks.{monitor.layer}.resid_post. Extract a trait to see its projection here.
        </p>
      ) : (
        <>
          <div className="row wrap small-text">
            <span className="muted">
              Projection onto each trait at blocks.{monitor.layer}.resid_post (a·v/‖v‖); tint: red above the prompt's level, blue below
              {live ? ' · live, as the reply streams' : ''}
            </span>
            {traits.length > 1 && (
              <label className="inline">
                Tint by{' '}
                <select aria-label="Tint by trait" value={trait} onChange={(e) => setFocus(traits.indexOf(e.target.value))}>
                  {traits.map((t) => (
                    <option key={t}>{t}</option>
                  ))}
                </select>
              </label>
            )}
          </div>
          <div className="chart" style={{ height: 140 }}>
            <ResponsiveContainer width="100%" height="100%">
              <LineChart data={data} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
                <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
                <XAxis dataKey="i" tick={{ fontSize: 10, fill: 'var(--muted)' }} />
                <YAxis tick={{ fontSize: 10, fill: 'var(--muted)' }} width={44} tickFormatter={(v: number) => fmt(v, 1)} />
                <Tooltip
                  contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)' }}
                  labelFormatter={(_, p) => `token “${String(p?.[0]?.payload?.token ?? '')}”`}
                  formatter={(v) => fmt(Number(v), 3)}
                />
                {traits.length > 1 && <Legend wrapperStyle={{ fontSize: 11 }} />}
                {!showPrompt && monitor.promptLength > 0 && <ReferenceLine x={monitor.promptLength} stroke="var(--muted)" strokeDasharray="2 2" />}
                {traits.map((t, k) => (
                  <Line
                    key={t}
                    name={t}
                    type="linear"
                    dataKey={(d: { values: (number | undefined)[] }) => d.values[k]}
                    stroke={seriesColor(k)}
                    dot={false}
                    strokeWidth={2}
                    isAnimationActive={false}
                  />
                ))}
              </LineChart>
            </ResponsiveContainer>
          </div>
          <p className="tinted" aria-label={`Text tinted by ${trait} projection`}>
            {monitor.tokens.slice(start).map((tok, i) => {
              const x = monitor.projections[trait][start + i] as number | undefined;
              return (
                <span
                  key={i}
                  className="tok"
                  style={{ background: x === undefined ? 'transparent' : tint(x - mean, maxAbs) }}
                  title={x === undefined ? `${trait}: (next step)` : `${trait}: ${fmt(x, 3)}`}
                  data-value={x}
                >
                  {tokenText(tok)}
                </span>
              );
            })}
          </p>
        </>
      )}
    </section>
  );
}
