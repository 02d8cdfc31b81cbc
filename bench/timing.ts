/** Small timing helpers: per-step durations, quantiles, contenders interleaved so drift hits all. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

export function median(xs: number[]): number {
  return quantile(xs, 0.5);
}

/** Linear-interpolated quantile. The lower quartile is what we compare: on a shared machine other
 * processes only ever add time, so it tracks the undisturbed cost better than the median. */
export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
}

export const STAT = 0.25;

/** Contender order for repetition r: forwards, then backwards (ABBA), so order effects cancel. */
function order<T>(entries: T[], r: number): T[] {
  return r % 2 ? [...entries].reverse() : entries;
}

/**
 * This process's CPU time in ms (user + system). ORT-wasm runs single-threaded on the main thread
 * here, so CPU time is the work done; on a machine shared with other jobs, wall time also counts
 * the waits for a core, which are not ours.
 */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t = cpuMs();
  await fn();
  return cpuMs() - t;
}

/** Records the CPU time between successive calls of `tick` (one per generated token). */
export class StepClock {
  private last = 0;
  readonly steps: number[] = [];
  start(): void {
    this.last = cpuMs();
  }
  tick = (): void => {
    const now = cpuMs();
    this.steps.push(now - this.last);
    this.last = now;
  };
}

/**
 * Runs each contender `reps` times, interleaved, each filling a StepClock; returns per contender
 * the lower-quartile duration of decode steps (every step after the first, which is the prefill).
 */
export async function decodeStepMedians(contenders: Record<string, (clock: StepClock) => Promise<unknown>>, reps: number): Promise<Record<string, number>> {
  const decode: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  for (const fn of Object.values(contenders)) await fn(new StepClock()); // warm-up
  for (let r = 0; r < reps; r++) {
    for (const [name, fn] of order(Object.entries(contenders), r)) {
      const clock = new StepClock();
      clock.start();
      await fn(clock);
      decode[name].push(...clock.steps.slice(1));
    }
  }
  return Object.fromEntries(Object.entries(decode).map(([k, v]) => [k, quantile(v, STAT)]));
}

/** Runs each contender `reps` times, interleaved (ABBA); returns the lower-quartile ms per contender. */
export async function interleaved(contenders: Record<string, () => Promise<unknown>>, reps: number): Promise<Record<string, number>> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  for (const fn of Object.values(contenders)) await fn(); // warm-up
  for (let r = 0; r < reps; r++) {
    for (const [name, fn] of order(Object.entries(contenders), r)) times[name].push(await timeIt(fn));
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, quantile(v, STAT)]));
}

export function gc(): void {
  collect();
}
