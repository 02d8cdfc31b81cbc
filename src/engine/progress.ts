/** Download/load progress as a status-tagged union, plus an aggregator that adds ETA. */

export type LoadProgress =
  | { status: 'initiate'; file: string }
  | { status: 'progress'; file: string; loaded: number; total: number | null; overallLoaded: number; overallTotal: number | null; etaSeconds: number | null }
  | { status: 'done'; file: string; bytes: number; fromCache: boolean }
  | { status: 'stage'; stage: 'instrument' | 'session' | 'tokenizer'; message: string }
  | { status: 'ready'; totalBytes: number };

export type ProgressListener = (p: LoadProgress) => void;

/** Tracks bytes across files so every progress event carries overall bytes and an ETA. */
export class ProgressTracker {
  private loaded = new Map<string, number>();
  private totals = new Map<string, number | null>();
  private readonly started = Date.now();

  constructor(private readonly listener: ProgressListener = () => {}) {}

  initiate(file: string, total: number | null): void {
    this.totals.set(file, total);
    this.loaded.set(file, 0);
    this.listener({ status: 'initiate', file });
  }

  update(file: string, loaded: number): void {
    this.loaded.set(file, loaded);
    const overallLoaded = [...this.loaded.values()].reduce((a, b) => a + b, 0);
    const totals = [...this.totals.values()];
    const overallTotal = totals.every((t) => t !== null) ? totals.reduce<number>((a, b) => a + (b ?? 0), 0) : null;
    const elapsed = (Date.now() - this.started) / 1000;
    const rate = elapsed > 0 ? overallLoaded / elapsed : 0;
    const etaSeconds = overallTotal !== null && rate > 0 ? Math.max(0, (overallTotal - overallLoaded) / rate) : null;
    this.listener({ status: 'progress', file, loaded, total: this.totals.get(file) ?? null, overallLoaded, overallTotal, etaSeconds });
  }

  done(file: string, bytes: number, fromCache: boolean): void {
    this.totals.set(file, bytes);
    this.update(file, bytes);
    this.listener({ status: 'done', file, bytes, fromCache });
  }

  stage(stage: 'instrument' | 'session' | 'tokenizer', message: string): void {
    this.listener({ status: 'stage', stage, message });
  }

  ready(): void {
    this.listener({ status: 'ready', totalBytes: [...this.loaded.values()].reduce((a, b) => a + b, 0) });
  }
}
