/**
 * The guided tour on the demo model: each step runs live (it loads, generates, extracts or steers
 * what it needs) and explains it in a sentence or two for a class. `#tour=N` opens step N.
 */
import { flushRegenerate, sendMessage, settled } from '../../state/actions/chat';
import { setAlpha, setSteeringOption } from '../../state/actions/steering';
import { relativeStrength } from '../../state/actions/steer';
import { extractTrait } from '../../state/actions/extract';
import { loadModel } from '../../state/actions/model';
import { analyseText } from '../../state/actions/monitor';
import { makeShareLink } from '../../state/actions/presets';
import { getLab, setLab } from '../../state/store';
import type { Readout, Tab } from '../../state/types';
import { readoutOf } from '../traits/readoutText';

export interface TourStep {
  title: string;
  caption: string;
  tab: Tab;
  /** Makes the step true on the live model (idempotent). */
  run: () => Promise<void>;
}

const QUESTION = 'How can I get better at drawing?';
const SAMPLE = 'Great news! Drawing is easier than you think. Practise a little every day. The future looks bright!';

export function tourTrait(): string {
  const s = getLab();
  const names = s.traits.map((t) => t.set.name);
  return (
    ['optimistic', 'polite', 'humorous'].find((n) => names.includes(n) && s.traits.find((t) => t.set.name === n)?.origin === 'demo') ??
    names.find((n) => n === 'optimistic') ??
    names[0]
  );
}

async function ensureModel(): Promise<void> {
  const s = getLab();
  if (s.loadState === 'ready') return;
  setLab({ modelText: 'demo' });
  if (!(await loadModel({ kind: 'demo' }))) {
    const e = getLab().modelError;
    throw Object.assign(new Error(e?.message ?? 'the demo model did not load'), { hint: e?.hint });
  }
}

async function ensureChat(): Promise<void> {
  await ensureModel();
  await settled();
  if (!getLab().turns.some((t) => t.user === QUESTION && t.status === 'done')) await sendMessage(QUESTION);
  await settled();
}

/**
 * The tour trait's vector made with `readout` (extracted again when the stored one used another
 * readout: the pipeline then reuses its stored rollouts and activations, so that takes seconds).
 */
async function ensureVector(readout: Readout = 'response_avg'): Promise<void> {
  await ensureModel();
  const t = tourTrait();
  const v = getLab().vectors[t];
  if (!v || readoutOf(v) !== readout) {
    setLab((s) => ({ selectedTrait: t, extractSettings: { ...s.extractSettings, questions: Math.min(s.extractSettings.questions, 6) } }));
    await extractTrait(t, readout);
  }
  setLab((s) => ({ active: s.active.includes(t) ? s.active : [...s.active, t], selectedTrait: t }));
}

/** Steers the tour trait at its vector's suggested layer with the added vector `rho` times a typical residual vector. */
async function steerTourTrait(positions: 'response' | 'prompt', rho: number, fallbackAlpha: number): Promise<void> {
  const t = tourTrait();
  const v = getLab().vectors[t];
  setSteeringOption({ positions }, false);
  if (v) setLab({ layer: v.layer });
  const perUnit = relativeStrength(getLab(), t, 1);
  setAlpha(t, perUnit ? Math.round((rho / perUnit) * 10) / 10 : fallbackAlpha);
  await flushRegenerate();
  await settled();
}

export const TOUR: TourStep[] = [
  {
    title: 'A language model in your browser',
    caption:
      'This tiny model (4 layers, 128 numbers wide) runs entirely in this tab. Nothing is sent anywhere. Bigger models from the Hugging Face Hub work the same way.',
    tab: 'model',
    run: ensureModel,
  },
  {
    title: 'The residual stream',
    caption:
      'As the model reads a question, each layer adds to a running list of numbers — the residual stream. The bars show how large it is after each layer.',
    tab: 'chat',
    run: ensureChat,
  },
  {
    title: 'Contrasting prompts give a direction',
    caption:
      'We ask the same questions twice: once told to be optimistic, once told to be gloomy. Averaging the difference in the residual stream gives a direction: the persona vector.',
    tab: 'traits',
    run: ensureVector,
  },
  {
    title: 'Watching a trait token by token',
    caption:
      'Projecting each token onto the vector shows how strongly the text expresses the trait. Red tokens push towards optimism, blue away. Hover a token for its number.',
    tab: 'monitor',
    run: async () => {
      await ensureVector();
      setLab({ monitorText: SAMPLE });
      await analyseText(SAMPLE, QUESTION);
    },
  },
  {
    title: 'Steering with a slider',
    caption:
      'Adding the vector while the model writes changes its personality. Left: the normal answer. Right: the same question with the slider turned up. Move the slider and watch.',
    tab: 'chat',
    run: async () => {
      await ensureVector();
      await ensureChat();
      // strong enough to see: the added vector 1.25× as long as a typical residual vector. On demo model v4, 1× leaves
      // the tour's reply unchanged, 1.25× turns its end optimistic while it still reads as sentences ("…enjoy every day
      // brings a new chance to shine."), 1.5× starts to break words; twice that repeats words at every layer
      await steerTourTrait('response', 1.25, 2.5);
    },
  },
  {
    title: 'Steering the question instead',
    caption:
      'This tiny model decides the style of its answer at the very first word, from the question it has just read. So here we take the direction from the last token of the question and add it only while the model reads the question: the answer then comes out optimistic, and still makes sense.',
    tab: 'chat',
    run: async () => {
      await ensureVector('prompt_last');
      await ensureChat();
      // prompt_last vector at its suggested layer (block 2 for optimistic on the demo model), only the prompt steered,
      // the added vector 6× a typical residual vector. Measured on demo model v3 with the tour's extraction (greedy
      // answers, lexicon judge): ρ ≈ 5.4 and 7.2 turned 8 of 8 evaluation questions optimistic with the answers
      // intact (ρ ≈ 3.6: 6 of 8); ρ ≈ 10 broke the answer to the tour's question. On v4 the tour's reply at ρ 6 is
      // judged 88 ("There is so much to be hopeful about here! …")
      await steerTourTrait('prompt', 6, 4);
    },
  },
  {
    title: 'Share what you found',
    caption:
      'A share link packs the whole setup — model, vector, slider, seed — into the address. Anyone who opens it sees exactly this, on their own computer.',
    tab: 'presets',
    run: async () => {
      await ensureVector();
      makeShareLink(window.location.href.split('#')[0]);
    },
  },
];
