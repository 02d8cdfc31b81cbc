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

/** Row index of a hook name, or of a block index given as a number (block l → row l+1). */
export function hookRow(hook: HookName | number): number {
  if (typeof hook === 'number') return hook + 1;
  if (hook === 'embed') return 0;
  const m = /^blocks\.(\d+)\.resid_post$/.exec(hook);
  if (!m) throw new Error(`unknown hook point "${hook}"; expected "embed" or "blocks.{l}.resid_post"`);
  return Number(m[1]) + 1;
}
