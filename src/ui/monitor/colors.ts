/** Series colours (work on dark and light backgrounds) and the token tint scale. */
export const SERIES = ['#e0707a', '#4fa3e0', '#e0b23c', '#5cc08a', '#b58ae0', '#e08a4f', '#4fd1c5', '#c0c04f'];

export function seriesColor(i: number): string {
  return SERIES[i % SERIES.length];
}

/** Background for a token: red for positive projection, blue for negative, scaled by |x|/max. */
export function tint(x: number, maxAbs: number): string {
  if (!Number.isFinite(x) || !(maxAbs > 0)) return 'transparent';
  const a = Math.min(1, Math.abs(x) / maxAbs) * 0.55;
  return x >= 0 ? `rgba(224, 80, 90, ${a.toFixed(3)})` : `rgba(70, 140, 230, ${a.toFixed(3)})`;
}
