import { revokeHost } from '../../state/actions/hostConsent';
import { useLab } from '../../state/store';

/** The hosts the user allowed (besides this page and https://huggingface.co), each with "Revoke". */
export function ApprovedHosts() {
  const hosts = useLab((s) => s.approvedHosts);
  if (!hosts.length) return <p className="muted small-text">No other hosts allowed: the lab contacts only this page and https://huggingface.co.</p>;
  return (
    <div className="stack">
      <span className="small-text">Hosts you allowed</span>
      <ul aria-label="Allowed hosts" className="plain-list">
        {hosts.map((h) => (
          <li key={h} className="row">
            <code style={{ flex: 1 }}>{h}</code>
            <button type="button" className="small ghost" aria-label={`Revoke ${h}`} onClick={() => revokeHost(h)}>
              Revoke
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
