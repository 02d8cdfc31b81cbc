/**
 * The one hook-point vocabulary (docs/ARCHITECTURE.md §3), used in the protocol, stores, file metadata and
 * chart labels. Row r of a residual capture is hookName(r): row 0 is `embed`, row l+1 is
 * `blocks.{l}.resid_post` (output of decoder block l, before the final norm).
 */

export type HookName = 'embed' | `blocks.${number}.resid_post`;

/** Name of residual row r (0 = embedding output, l+1 = output of block l). */
export function hookName(row: number): HookName {
  if (!Number.isInteger(row) || row < 0) throw new RangeError(`hook row must be a non-negative integer, got ${row}`);
  return row === 0 ? 'embed' : `blocks.${row - 1}.resid_post`;
}

/** All L+1 hook names of a model with `numLayers` decoder blocks, in row order. */
export function hookPoints(numLayers: number): HookName[] {
  return Array.from({ length: numLayers + 1 }, (_, r) => hookName(r));
}

/** The residual row of decoder block `layer` (row l+1 = `blocks.{l}.resid_post`; −1 gives the `embed` row 0). */
export function rowOfLayer(layer: number): number {
  return layer + 1;
}
