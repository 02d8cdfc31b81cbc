import { useEffect, useRef } from 'react';
import { cancelGeneration, clearChat, sendMessage, setDraft } from '../../state/actions/chat';
import { setSteeringOption } from '../../state/actions/steering';
import { useLab } from '../../state/store';
import { ErrorAlert } from '../common/ErrorAlert';
import { Section } from '../common/Section';
import { SteeringControls } from './SteeringControls';
import { SweepView } from './SweepView';
import { TurnView } from './TurnView';
import { setLab } from '../../state/store';
import { TEXT_LIMITS } from '../../persona/limits';
import { BaseModelNote, useCompletionFormat } from '../common/BaseModelNote';

/** Chat with the loaded model; every reply comes unsteered and steered from one batched call. */
export function ChatPanel() {
  const turns = useLab((s) => s.turns);
  const draft = useLab((s) => s.draft);
  const generating = useLab((s) => s.generating);
  const ready = useLab((s) => s.loadState === 'ready');
  const error = useLab((s) => s.chatError);
  const systemPrompt = useLab((s) => s.systemPrompt);
  const completion = useCompletionFormat();
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'nearest' });
  }, [turns.length]);
  return (
    <div className="chat-layout">
      <Section
        title="Chat"
        id="chat"
        actions={
          turns.length > 0 && (
            <button type="button" className="small ghost" onClick={clearChat}>
              New chat
            </button>
          )
        }
      >
        <BaseModelNote where="chat" />
        {!completion && (
          <details className="advanced">
            <summary>System prompt{systemPrompt ? ' (set)' : ''}</summary>
            <textarea
              aria-label="System prompt"
              rows={2}
              maxLength={TEXT_LIMITS.systemPrompt}
              value={systemPrompt}
              placeholder="Optional, e.g. You are a helpful assistant."
              onChange={(e) => setSteeringOption({ systemPrompt: e.target.value }, false)}
            />
          </details>
        )}
        <div className="turns">
          {turns.length === 0 && (
            <p className="muted">
              {ready
                ? 'Ask the model something. Each reply is shown twice: without steering and with your sliders applied.'
                : 'Load a model first (Model panel).'}
            </p>
          )}
          {turns.map((t, i) => (
            <TurnView key={t.id} turn={t} latest={i === turns.length - 1} />
          ))}
          <div ref={end} />
        </div>
        <ErrorAlert error={error} onDismiss={() => setLab({ chatError: null })} />
        <form
          className="composer"
          onSubmit={(e) => {
            e.preventDefault();
            void sendMessage();
          }}
        >
          <textarea
            aria-label="Message"
            rows={2}
            maxLength={TEXT_LIMITS.userMessage}
            value={draft}
            placeholder={
              !ready
                ? 'Load a model to chat'
                : completion
                  ? 'Text for the model to continue (Enter to send)'
                  : 'Message (Enter to send, Shift+Enter for a new line)'
            }
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
                e.preventDefault();
                void sendMessage();
              }
            }}
          />
          <div className="composer-actions">
            {generating && (
              <button type="button" onClick={() => void cancelGeneration()}>
                Stop
              </button>
            )}
            <button type="submit" className="primary" disabled={!ready || !draft.trim()}>
              Send
            </button>
          </div>
        </form>
      </Section>
      <div className="side">
        <Section title="Steering" id="steering">
          <SteeringControls />
        </Section>
        <SweepView />
      </div>
    </div>
  );
}
