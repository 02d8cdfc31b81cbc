/**
 * Chat actions: send a message and get the unsteered and steered replies from ONE batched generate
 * call (row 0 unsteered, row 1 steered, same seed); re-generate the last reply when a slider moves
 * (debounced, cancelling the stale run); monitor each finished reply.
 */
import type { ChatMessage, PromptInput } from '../../engine/api';
import { freeTextPrompt, promptFormatOf } from '../../persona/promptFormat';
import { getEngine, isCancelled, toUiError } from '../engine';
import { getLab, setLab, type LabState } from '../store';
import type { ChatTurn, UiError } from '../types';
import { frameThrottle, LiveMonitor, probeInputs } from './liveMonitor';
import { monitorFromCapture } from './monitorMath';
import { steerableTraits, steeringTerms, vectorRowAt } from './steer';

let runGeneration = 0;
/** Aborts the generation that is running (a newer run, Stop or Clear cancels it). */
let running: AbortController | null = null;
let debounce: ReturnType<typeof setTimeout> | null = null;
let lastRun: Promise<void> = Promise.resolve();
/** What the scheduled re-generation redoes: only the steered reply (steering changed) or both (anything else). */
let pendingScope: 'steered' | 'both' | null = null;

/**
 * The prompt of turn `index`: with a chat template the conversation before it plus its user message;
 * for a base model the user's text alone, which the reply continues (persona/promptFormat.ts).
 */
export function promptFor(s: LabState, index: number, user: string): PromptInput {
  const history: ChatMessage[] = s.turns.slice(0, index).flatMap((t) => [
    { role: 'user' as const, content: t.user },
    { role: 'assistant' as const, content: t.steered },
  ]);
  return freeTextPrompt(promptFormatOf(s.info ?? {}), s.systemPrompt, history, user);
}

function updateTurn(id: string, patch: Partial<ChatTurn> | ((t: ChatTurn) => Partial<ChatTurn>)): void {
  setLab((s) => ({ turns: s.turns.map((t) => (t.id === id ? { ...t, ...(typeof patch === 'function' ? patch(t) : patch) } : t)) }));
}

export function setDraft(draft: string): void {
  setLab({ draft });
}

/** Sends the draft (or `text`) as a new user turn and generates both replies. */
export async function sendMessage(text?: string): Promise<void> {
  const s = getLab();
  const user = (text ?? s.draft).trim();
  if (!user) return;
  if (s.loadState !== 'ready') {
    setLab({ chatError: { message: 'no model is loaded', hint: 'Load a model in the Model panel first.' } });
    return;
  }
  const turn: ChatTurn = {
    id: `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
    user,
    unsteered: '',
    steered: '',
    alphas: {},
    layer: s.layer,
    seed: s.seed,
    status: 'running',
  };
  setLab((st) => ({ turns: [...st.turns, turn], draft: text === undefined ? '' : st.draft, chatError: null }));
  await runTurn(turn.id);
}

/**
 * (Re)generates one turn's replies with the current sliders. With `steeredOnly` (a steering
 * change on a finished turn) the unsteered reply stays as it is and only the steered row runs;
 * the engine then starts from the prompt's cached keys and values where steering allows.
 */
export async function runTurn(turnId: string, options: { steeredOnly?: boolean } = {}): Promise<void> {
  const engine = getEngine();
  const gen = ++runGeneration;
  if (running) {
    running.abort();
    running = null;
    await lastRun.catch(() => undefined);
  }
  if (gen !== runGeneration) return;
  const s = getLab();
  const index = s.turns.findIndex((t) => t.id === turnId);
  if (index < 0) return;
  const turn = s.turns[index];
  const before = turn;
  const steeredOnly = options.steeredOnly === true && turn.status === 'done' && turn.seed === s.seed;
  const prompt = promptFor(s, index, turn.user);
  const terms = steeringTerms(s);
  const alphas = Object.fromEntries(steerableTraits(s).map((t) => [t, s.alphas[t] ?? 0]));
  updateTurn(turnId, { ...(steeredOnly ? {} : { unsteered: '' }), steered: '', status: 'running', alphas, layer: s.layer, seed: s.seed, monitor: undefined });
  setLab({ generating: true, chatError: null });
  const controller = new AbortController();
  running = controller;
  const texts = ['', ''];
  // per-token projections of the steered reply, streamed with the tokens (probes computed in the graph)
  const probed = s.info && s.layer !== null ? monitoredVectors(s, s.layer) : [];
  const live =
    probed.length && s.info && s.layer !== null
      ? new LiveMonitor(
          probed.map((p) => p.name),
          probed.map((p) => p.row),
          s.layer,
          steeredOnly ? 0 : 1,
          terms.length ? terms : null,
          s.positions,
        )
      : null;
  const probes = live && s.info && s.layer !== null ? probeInputs(probed, s.info.numLayers, s.info.hiddenSize, s.layer) : undefined;
  // the UI follows the stream at most once per animation frame
  const frame = frameThrottle(() => {
    if (gen !== runGeneration) return;
    updateTurn(turnId, (t) =>
      t.status === 'running' ? { ...(steeredOnly ? {} : { unsteered: texts[0] }), steered: texts[1], ...(live ? { monitor: live.snapshot() } : {}) } : {},
    );
  });
  const run = (async () => {
    try {
      const steeredRow = { prompt, steering: terms.length ? terms : null };
      const res = await engine.generate(
        {
          rows: steeredOnly ? [steeredRow] : [{ prompt, steering: null }, steeredRow],
          positions: s.positions,
          maxNewTokens: s.maxNewTokens,
          sampling: s.sampling,
          seed: s.seed,
          probes,
        },
        (e) => {
          if (gen !== runGeneration) return;
          e.deltas.forEach((d, b) => (texts[steeredOnly ? 1 : b] += d));
          live?.push(e);
          frame.schedule();
        },
        { signal: controller.signal },
      );
      frame.cancel();
      if (gen !== runGeneration) return;
      const cancelled = res.rows.some((r) => r.finish === 'cancelled');
      updateTurn(turnId, {
        ...(steeredOnly ? {} : { unsteered: res.rows[0].text }),
        steered: res.rows[res.rows.length - 1].text,
        status: cancelled ? 'cancelled' : 'done',
        ...(live ? { monitor: live.snapshot() } : {}),
      });
    } catch (e) {
      frame.cancel();
      if (gen !== runGeneration) return;
      if (isCancelled(e)) updateTurn(turnId, { status: 'cancelled' });
      else undoFailedTurn(before, toUiError(e));
    } finally {
      if (running === controller) running = null;
      if (gen === runGeneration) setLab({ generating: false });
    }
  })();
  lastRun = run;
  await run;
  if (gen === runGeneration && getLab().turns.find((t) => t.id === turnId)?.status === 'done') await monitorTurn(turnId);
}

/**
 * A run that failed leaves the chat as it was before it: a turn that never had a finished reply
 * (a new message, or one resumed after a reload) leaves the history and its text goes back into
 * the message box to edit; a finished turn that was being regenerated gets its replies back. So
 * one message the model cannot take (longer than its context) does not poison every later one.
 */
function undoFailedTurn(before: ChatTurn, error: UiError): void {
  const isNew = before.status === 'running' || before.status === 'error';
  setLab((s) => ({
    turns: isNew ? s.turns.filter((t) => t.id !== before.id) : s.turns.map((t) => (t.id === before.id ? before : t)),
    draft: !isNew || s.draft.trim() === before.user ? s.draft : s.draft.trim() ? `${before.user}\n\n${s.draft}` : before.user,
    chatError: {
      message: error.message,
      hint: isNew
        ? `Your message is back in the box below: edit it and send again.${error.hint ? ` ${error.hint}` : ''}`
        : `The earlier replies are kept.${error.hint ? ` ${error.hint}` : ''}`,
    },
  }));
}

/** Captures the conversation up to a finished turn and computes its per-token projections. */
export async function monitorTurn(turnId: string): Promise<void> {
  const s = getLab();
  const index = s.turns.findIndex((t) => t.id === turnId);
  if (index < 0 || !s.info || s.layer === null) return;
  const turn = s.turns[index];
  if (!turn.steered) return;
  try {
    const res = await getEngine().capture({ rows: [{ prompt: promptFor(s, index, turn.user), response: turn.steered }] });
    const layer = s.layer;
    const vectors = monitoredVectors(getLab(), layer);
    const monitor = monitorFromCapture(res.rows[0], res.numRows, res.hiddenSize, layer, vectors);
    updateTurn(turnId, { monitor });
  } catch (e) {
    if (!isCancelled(e)) setLab({ chatError: toUiError(e, 'The reply is kept; its projection chart is not available.') });
  }
}

/** Vectors to project onto: the active traits' rows at the layer. */
export function monitoredVectors(s: LabState, layer: number): { name: string; row: Float32Array }[] {
  return s.active
    .map((name) => ({ name, row: s.vectors[name] ? vectorRowAt(s.vectors[name], layer) : null }))
    .filter((x): x is { name: string; row: Float32Array } => x.row !== null && (!s.info || x.row.length === s.info.hiddenSize));
}

function regenerateLast(): Promise<void> {
  const turns = getLab().turns;
  const steeredOnly = pendingScope === 'steered';
  pendingScope = null;
  return turns.length && getLab().loadState === 'ready' ? runTurn(turns[turns.length - 1].id, { steeredOnly }) : Promise.resolve();
}

/** Re-generates the last reply soon (a slider moved); stale runs are cancelled. `steeringOnly`: only steering changed, so the unsteered reply stays. */
export function scheduleRegenerate(delayMs = 250, steeringOnly = false): void {
  if (debounce) clearTimeout(debounce);
  pendingScope = pendingScope === 'both' || !steeringOnly ? 'both' : 'steered';
  debounce = setTimeout(() => {
    debounce = null;
    void regenerateLast();
  }, delayMs);
}

/** Runs a scheduled re-generation now instead of after the debounce (tests, keyboard commits). */
export function flushRegenerate(): Promise<void> {
  if (!debounce) return Promise.resolve();
  clearTimeout(debounce);
  debounce = null;
  return regenerateLast();
}

/** Waits until no generation is running (tests). */
export async function settled(): Promise<void> {
  while (debounce || running) {
    await lastRun.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 5));
  }
  await lastRun.catch(() => undefined);
}

export async function cancelGeneration(): Promise<void> {
  if (debounce) clearTimeout(debounce);
  debounce = null;
  pendingScope = null;
  running?.abort();
  running = null;
}

export function clearChat(): void {
  void cancelGeneration();
  setLab({ turns: [], sweep: null, chatError: null });
}
