import { useEffect, useRef } from 'react';
import { answerHostRequest, dismissHostRequest } from '../../state/actions/hostConsent';
import { buildConnectSources, policyAllows } from '../../state/connectPolicy';
import type { HostAsker } from '../../state/modelSlice';
import { useLab } from '../../state/store';

const ASKER: Record<HostAsker, string> = {
  'share link': 'The share link you opened',
  'page address': 'The page address',
  'lab file': 'The lab file you imported',
  'saved settings': 'Your saved settings',
  preset: 'The preset',
  'Model panel': 'The Model panel',
};

/**
 * The question before the lab contacts a host it has not contacted before: what would be
 * downloaded, from where, and who asks. Nothing is fetched until "Allow"; "Don't load" keeps the
 * lab as it was and says so. Text only: a hostile link's strings never render as markup.
 */
export function HostConsent() {
  const request = useLab((s) => s.hostRequest);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (request && !request.declined) box.current?.focus({ preventScroll: false });
  }, [request]);
  if (!request) return null;
  const host = new URL(request.origin).host;
  if (request.declined) {
    return (
      <div className="notice row" aria-live="polite" aria-label="New host declined">
        <span style={{ flex: 1 }}>Nothing was loaded from {request.origin}, and nothing from it was saved.</span>
        <button type="button" className="small ghost" aria-label="Dismiss" onClick={dismissHostRequest}>
          ×
        </button>
      </div>
    );
  }
  return (
    <div ref={box} role="dialog" aria-modal="false" aria-labelledby="host-consent-title" tabIndex={-1} className="notice warn host-consent">
      <strong id="host-consent-title">Allow the lab to contact {host}?</strong>
      <p>
        {ASKER[request.from]} wants to load{' '}
        {request.model ? (
          <>
            <code>{request.model}</code> from{' '}
          </>
        ) : (
          'models from '
        )}
        <code>{request.origin}</code>
        {request.hubHost && request.model ? (
          <>
            {' '}
            (as the Hub host <code>{request.hubHost}</code>)
          </>
        ) : null}
        .
      </p>
      <p className="muted small-text">
        Nothing has been downloaded. The lab contacts only this page, https://huggingface.co and hosts you allow; that host would see your address and choose
        the model you then use. You can revoke it later under Model → Advanced.
      </p>
      {!policyAllows(request.origin) && (
        <p className="small-text">
          This copy of the lab is built to connect only to {buildConnectSources()!.join(' ')}: its security policy will block {request.origin} even if you allow
          it. A build made with <code>PERSONA_LAB_CONNECT_SRC</code> naming that host can reach it (see the README).
        </p>
      )}
      <div className="row wrap">
        <button type="button" className="primary" onClick={() => answerHostRequest(true)}>
          Allow {host}
        </button>
        <button type="button" onClick={() => answerHostRequest(false)}>
          Don't load
        </button>
      </div>
    </div>
  );
}
