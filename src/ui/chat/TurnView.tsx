import type { ChatTurn } from '../../state/types';
import { LayerActivations } from '../monitor/LayerActivations';
import { TokenProjection } from '../monitor/TokenProjection';

function alphaSummary(turn: ChatTurn): string {
  const parts = Object.entries(turn.alphas)
    .filter(([, a]) => a !== 0)
    .map(([t, a]) => `${t} ${a > 0 ? '+' : ''}${a.toFixed(1)}`);
  return parts.length ? `${parts.join(', ')} at layer ${turn.layer}` : 'no steering (all α = 0)';
}

/** One exchange: the user's message, then the unsteered and steered replies side by side. */
export function TurnView({ turn, latest }: { turn: ChatTurn; latest: boolean }) {
  const running = turn.status === 'running';
  const reply = (kind: 'Unsteered reply' | 'Steered reply', text: string, sub: string) => {
    const body = (
      <>
        <div className="reply-head">
          <span className="reply-title">{kind.replace(' reply', '')}</span>
          <span className="muted small-text">{sub}</span>
        </div>
        <p className="reply-text" aria-busy={running}>
          {text || (running ? '…' : '(empty reply)')}
        </p>
      </>
    );
    return latest ? (
      <section className={`reply ${kind === 'Steered reply' ? 'steered' : ''}`} aria-label={kind} data-status={turn.status}>
        {body}
      </section>
    ) : (
      <div className={`reply ${kind === 'Steered reply' ? 'steered' : ''}`} data-status={turn.status}>
        {body}
      </div>
    );
  };
  return (
    <article className="turn" aria-label={`Exchange: ${turn.user.slice(0, 40)}`}>
      <div className="bubble user">
        <span className="sr-only">You: </span>
        {turn.user}
      </div>
      <div className="replies">
        {reply('Unsteered reply', turn.unsteered, `seed ${turn.seed}`)}
        {reply('Steered reply', turn.steered, alphaSummary(turn))}
      </div>
      {turn.status === 'cancelled' && <p className="muted small-text">Stopped.</p>}
      {turn.monitor && (
        <div className="monitor-under">
          <TokenProjection
            monitor={turn.monitor}
            region={latest}
            live={running}
            title={latest ? 'Per-token projection' : 'Per-token projection of an earlier reply'}
          />
          {latest && turn.monitor.layerNorms.length > 0 && <LayerActivations norms={turn.monitor.layerNorms} />}
        </div>
      )}
    </article>
  );
}
