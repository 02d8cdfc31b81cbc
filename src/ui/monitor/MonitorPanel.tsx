import { useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { analyseText, recomputeDrift, setMonitorText } from '../../state/actions/monitor';
import { setLab, useLab } from '../../state/store';
import { ErrorAlert } from '../common/ErrorAlert';
import { fmt } from '../common/format';
import { ProgressBar } from '../common/ProgressBar';
import { Section } from '../common/Section';
import { seriesColor } from './colors';
import { LayerActivations } from './LayerActivations';
import { TokenProjection } from './TokenProjection';
import { TEXT_LIMITS } from '../../persona/limits';
import { ownValue } from '../../persona/nameRecord';
import { BaseModelNote } from '../common/BaseModelNote';

/** Watch traits: conversation drift per turn, and per-token projections of any pasted text. */
export function MonitorPanel() {
  const turns = useLab((s) => s.turns);
  const text = useLab((s) => s.monitorText);
  const result = useLab((s) => s.monitorResult);
  const busy = useLab((s) => s.monitorBusy);
  const error = useLab((s) => s.monitorError);
  const active = useLab((s) => s.active);
  const layer = useLab((s) => s.layer);
  const ready = useLab((s) => s.loadState === 'ready');
  const [prompt, setPrompt] = useState('');
  // trait names are a user's strings: series are read by position, never as object keys or recharts paths ("a.b")
  const monitors = turns.filter((t) => t.monitor).map((t) => t.monitor!.lastPrompt);
  const traits = [...new Set(monitors.flatMap((m) => Object.keys(m)))];
  const drift = monitors.map((m, i) => ({ turn: i + 1, values: traits.map((t) => ownValue(m, t)) }));
  return (
    <div className="panel-grid">
      <Section
        title="Conversation drift"
        id="drift"
        actions={
          <button type="button" className="small" disabled={!ready || busy || turns.length === 0} onClick={() => void recomputeDrift()}>
            Recompute
          </button>
        }
      >
        <p className="muted small-text">
          Projection of the last prompt token onto each trait at blocks.{layer ?? '?'}.resid_post, turn by turn — the paper's monitoring signal: it rises before
          the model answers in character. Watch shifts, not the sign.
        </p>
        {drift.length === 0 || traits.length === 0 ? (
          <p className="muted">
            {active.length
              ? 'Chat a few turns (Chat & steer) and the drift appears here.'
              : 'Extract a trait first; then chat and watch its projection turn by turn.'}
          </p>
        ) : (
          <div className="chart" style={{ height: 200 }} aria-label="Drift chart">
            <ResponsiveContainer width="100%" height="100%">
              <LineChart data={drift} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
                <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
                <XAxis
                  dataKey="turn"
                  tick={{ fontSize: 10, fill: 'var(--muted)' }}
                  label={{ value: 'turn', position: 'insideBottomRight', fontSize: 10, fill: 'var(--muted)' }}
                />
                <YAxis tick={{ fontSize: 10, fill: 'var(--muted)' }} width={44} tickFormatter={(v: number) => fmt(v, 1)} />
                <Tooltip
                  contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)' }}
                  formatter={(v) => fmt(Number(v), 3)}
                  labelFormatter={(l) => `turn ${l}`}
                />
                <Legend wrapperStyle={{ fontSize: 11 }} />
                {traits.map((t, k) => (
                  <Line
                    key={t}
                    name={t}
                    dataKey={(d: { values: (number | undefined)[] }) => d.values[k]}
                    stroke={seriesColor(k)}
                    strokeWidth={2}
                    isAnimationActive={false}
                  />
                ))}
              </LineChart>
            </ResponsiveContainer>
          </div>
        )}
      </Section>
      <Section title="Analyse any text" id="analyse">
        <BaseModelNote where="monitor" />
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            void analyseText(text, prompt);
          }}
        >
          <label className="field">
            <span>Prompt it answers (optional)</span>
            <input type="text" aria-label="Prompt it answers" value={prompt} onChange={(e) => setPrompt(e.target.value)} />
          </label>
          <label className="field">
            <span>Text to analyse</span>
            <textarea
              aria-label="Text to analyse"
              rows={5}
              maxLength={TEXT_LIMITS.monitorText}
              value={text}
              placeholder="Paste an answer, a paragraph, a chat reply…"
              onChange={(e) => setMonitorText(e.target.value)}
            />
          </label>
          <div className="row">
            <button type="submit" className="primary" disabled={!ready || busy}>
              Analyse
            </button>
            {!active.length && <span className="muted small-text">Without trait vectors only the per-layer norms are shown.</span>}
          </div>
        </form>
        {busy && <ProgressBar progress={{ label: 'Reading activations', done: 0, total: null, etaSeconds: null }} />}
        <ErrorAlert error={error} onDismiss={() => setLab({ monitorError: null })} />
        {result && (
          <>
            <TokenProjection monitor={result} title="Token projections of the analysed text" />
            <LayerActivations norms={result.layerNorms} label="Residual norms of the analysed text" />
          </>
        )}
      </Section>
    </div>
  );
}
