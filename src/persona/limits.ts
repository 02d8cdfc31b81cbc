/**
 * The one table of size limits for text and counts that enter the lab from outside (trait files,
 * vector files, share links, preset files, lab files, saved state) and for the boxes the user
 * types into. Every format and every reader uses these numbers, so what one path accepts another
 * never refuses: a system prompt of 4,000 characters fits a preset, a share link, a lab file and
 * the chat panel alike, and one of 4,001 fits none of them.
 */

export const TEXT_LIMITS = {
  /** A trait's name (also the name its vector and slider go by). */
  traitName: 100,
  /** A preset's name. */
  presetName: 200,
  /** A Hub model id or model URL, and a Hub host. */
  modelId: 400,
  /** The system prompt of the chat, a preset, a link or a lab file. */
  systemPrompt: 4000,
  /** One user message (the chat box, a preset's last message, a lab file's chat turns and draft). */
  userMessage: 4000,
  /** One generated reply kept in a chat turn (4,096 generated tokens of up to 24 characters each fit). */
  reply: 100_000,
  /** A trait's description, instruction, question or judge prompt. */
  traitText: 10_000,
  /** The monitor panel's pasted text. */
  monitorText: 100_000,
  /** A vector's note. */
  note: 2000,
} as const;

export const COUNT_LIMITS = {
  /** Chat turns kept in the settings document and in a lab file. */
  chatTurns: 1000,
  /** Traits steered at once (a preset or link). */
  presetTraits: 8,
  /** Instruction pairs and questions of one trait set. */
  traitInstructions: 20,
  traitQuestions: 1000,
} as const;

/** A lab file larger than this is refused before it is read (bytes). */
export const MAX_LAB_FILE_BYTES = 50_000_000;
/** A trait file larger than this is refused before it is parsed (bytes). */
export const MAX_TRAIT_FILE_BYTES = 2_000_000;

/** "50 MB" for a byte count (decimal megabytes, as file managers show them). */
export function formatMegabytes(bytes: number): string {
  const mb = bytes / 1_000_000;
  return `${mb >= 10 ? Math.round(mb) : mb.toFixed(1)} MB`;
}

/** "the file is 80 MB; a lab file may be at most 50 MB" (exact byte counts when the rounded sizes would read the same). */
export function fileTooLarge(bytes: number, limit: number, what: string): string {
  const [a, b] = formatMegabytes(bytes) === formatMegabytes(limit) ? [`${bytes} bytes`, `${limit} bytes`] : [formatMegabytes(bytes), formatMegabytes(limit)];
  return `the file is ${a}; ${what} may be at most ${b}`;
}
