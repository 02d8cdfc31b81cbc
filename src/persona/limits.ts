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
/**
 * A presets file larger than this is refused before it is read (bytes). A preset holds one vector
 * row per steered trait, so even a thousand presets of a large model's rows stay well under it.
 */
export const MAX_PRESETS_FILE_BYTES = 20_000_000;
/**
 * A screening dataset (JSONL) larger than this is refused before it is read (bytes). The whole
 * file is read as one string, split into lines and parsed, so the tab holds it three or four times
 * over while it loads (100 MB of text ≈ 400 MB of memory), and the screen runs one forward pass per
 * line: 100 MB is about 100,000 samples of 1 kB, already hours of screening in a browser tab. A
 * larger dataset is better screened in parts.
 */
export const MAX_SCREEN_FILE_BYTES = 100_000_000;

/** The smallest cap of a vector file, whatever the model (bytes): small models still get room for metadata. */
export const MIN_VECTOR_FILE_BYTES = 8_000_000;
/**
 * Bytes allowed per value of a vector file: the binary formats store 2 to 8 bytes (F16 … F64), and
 * Neuronpedia JSON writes each number as text, up to about 24 characters with sign, digits and
 * exponent (a float32 printed as a double), plus a separator, plus up to 8 spaces and a line break
 * when the JSON is indented (Python's json.dump(indent=2)): about 35. 48 leaves room to spare.
 */
export const VECTOR_FILE_BYTES_PER_VALUE = 48;
/** Room for a vector file's header and metadata on top of its values (bytes). */
export const VECTOR_FILE_METADATA_BYTES = 1_000_000;

/**
 * A vector file larger than this is refused before it is read (bytes): a file holds at most every
 * residual row of the model (the embedding row and one per block) of `hiddenSize` values, here
 * counted at VECTOR_FILE_BYTES_PER_VALUE (12× a float32 vector, so indented text fits) plus metadata,
 * and never less than MIN_VECTOR_FILE_BYTES.
 */
export function maxVectorFileBytes(model: { numLayers: number; hiddenSize: number }): number {
  const values = (model.numLayers + 1) * model.hiddenSize;
  return Math.max(MIN_VECTOR_FILE_BYTES, values * VECTOR_FILE_BYTES_PER_VALUE + VECTOR_FILE_METADATA_BYTES);
}

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
