import { useId } from 'react';
import { choosePreset, policyProblem, setApiKey, setEndpointFields, testConnection } from '../../state/actions/judgeEndpoint';
import { ENDPOINT_PRESETS, endpointIdentity, useJudgeEndpoint } from '../../state/judgeEndpointStore';
import { ErrorAlert } from '../common/ErrorAlert';
import { Section } from '../common/Section';

/**
 * A judge (and trait-set writer) endpoint: any server speaking the OpenAI chat-completions protocol,
 * hosted or local. Typing its address here is the user's say-so to contact it. The key field is not
 * bound to any store: what is typed goes to module memory only.
 */
export function JudgeEndpointPanel() {
  const s = useJudgeEndpoint();
  const preset = ENDPOINT_PRESETS.find((p) => p.id === s.preset) ?? ENDPOINT_PRESETS[ENDPOINT_PRESETS.length - 1];
  const keyId = useId();
  const report = s.report && s.checkedFor === endpointIdentity(s) ? s.report : null;
  const blocked = policyProblem(s.baseUrl.trim());
  const insecure = typeof location !== 'undefined' && location.protocol === 'https:' && /^http:\/\/(?!localhost[:/]|127\.0\.0\.1[:/])/.test(s.baseUrl);
  return (
    <Section title="Judge endpoint" id="judge-endpoint">
      <p className="muted small-text">
        A strong model to judge responses (the paper's 0–100 score from the first token's top-20 logprobs) and to write trait sets: the hosted OpenAI API or a
        local server that speaks the same protocol. Used only when you choose it; requests go straight from this tab to the address below.
      </p>
      <div className="stack">
        <label className="field">
          <span>Preset</span>
          <select aria-label="Endpoint preset" value={preset.id} onChange={(e) => choosePreset(e.target.value)}>
            {ENDPOINT_PRESETS.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
        <p className="muted small-text">{preset.note}</p>
        <label className="field">
          <span>Base URL</span>
          <input
            type="url"
            aria-label="Endpoint base URL"
            value={s.baseUrl}
            spellCheck={false}
            placeholder="http://localhost:11434/v1"
            onChange={(e) => setEndpointFields({ baseUrl: e.target.value })}
          />
        </label>
        <label className="field">
          <span>Model</span>
          <input type="text" aria-label="Endpoint model" value={s.model} spellCheck={false} onChange={(e) => setEndpointFields({ model: e.target.value })} />
        </label>
        <label className="field" htmlFor={keyId}>
          <span>API key {preset.needsKey ? '' : '(most local servers need none)'}</span>
          <input
            id={keyId}
            type="password"
            aria-label="API key"
            autoComplete="off"
            spellCheck={false}
            defaultValue=""
            data-lpignore="true"
            onChange={(e) => setApiKey(e.target.value)}
          />
        </label>
        <p className="muted small-text">The key stays in this tab's memory: it is never saved, exported, shared or logged, and a reload forgets it.</p>
        {blocked && (
          <p className="alert small-text">
            {blocked.message}. {blocked.hint}
          </p>
        )}
        {insecure && (
          <p className="alert small-text">
            This page is served over https: the browser blocks plain http:// servers other than localhost. Use https or a localhost address.
          </p>
        )}
        <div className="row">
          <button type="button" onClick={() => void testConnection()} disabled={s.checking}>
            {s.checking ? 'Testing…' : 'Test connection'}
          </button>
          {report?.ok && (
            <span className="badge accent">{report.scoring === 'logprobs' ? "scoring: logprobs (the paper's)" : 'scoring: sampled (no logprobs)'}</span>
          )}
        </div>
        {report && report.lines.length > 0 && (
          <ul className="small-text" aria-label="Connection test">
            {report.lines.map((l, i) => (
              <li key={i} data-ok={l.ok}>
                {l.ok ? '✓' : '✗'} {l.text}
              </li>
            ))}
          </ul>
        )}
        {report?.problem && <ErrorAlert error={{ message: report.problem.message, hint: report.problem.hint }} />}
      </div>
    </Section>
  );
}
