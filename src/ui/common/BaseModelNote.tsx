/** One sentence where a base model's output differs from the chat case (persona/promptFormat.ts COMPLETION_NOTES). */
import { COMPLETION_NOTES, promptFormatOf } from '../../persona/promptFormat';
import { useLab } from '../../state/store';

/** True when the loaded model gets completion prompts (it has no chat template). */
export function useCompletionFormat(): boolean {
  return useLab((s) => (s.info ? promptFormatOf(s.info) === 'completion' : false));
}

export function BaseModelNote({ where }: { where: keyof typeof COMPLETION_NOTES }) {
  const completion = useCompletionFormat();
  if (!completion) return null;
  return (
    <p className="muted base-model-note" role="note" data-testid={`base-model-note-${where}`}>
      {COMPLETION_NOTES[where]}
    </p>
  );
}
