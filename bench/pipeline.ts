/**
 * Pipeline benchmark on the bundled demo model (WASM in Node): extraction throughput batched vs
 * one row at a time on the same backend, and the time of each pipeline step.
 * `runPipelineBench()` returns the printed table; run alone with `tsx bench/pipeline.ts`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_MODEL_DIR, loadEngine } from '../src/cli/loadEngine';
import { builtinTrait } from '../src/persona/traits';
import { importTraitSet, type TraitSet } from '../src/persona/traitSet';
import { isDemoTrait } from '../src/persona/lexiconJudge';
import { captureRows, generatePlanned, lexiconJudge, noJudge, planRollouts, resolveSettings, runPipeline, type PipelineContext } from '../src/persona/pipeline';
import { MemoryStorage } from '../src/storage/memory';

export interface PipelineBenchOptions {
  trait?: string;
  /** Rollouts generated in the throughput comparison. */
  rows?: number;
  maxNewTokens?: number;
  batchSize?: number;
}

function demoTrait(name: string): TraitSet {
  const file = join(DEMO_MODEL_DIR, 'traits', `${name}.json`);
  if (existsSync(file)) {
    const v = importTraitSet(readFileSync(file, 'utf8'), name);
    if (v.ok) return v.value;
  }
  const t = builtinTrait(name);
  if (!t) throw new Error(`no trait "${name}"`);
  return t;
}

const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');

function table(title: string, head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [title, line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

export async function runPipelineBench(opts: PipelineBenchOptions = {}): Promise<string> {
  const traitName = opts.trait ?? 'optimistic';
  const n = opts.rows ?? 32;
  const maxNewTokens = opts.maxNewTokens ?? 48;
  const batchSize = opts.batchSize ?? 32;
  const { engine, info } = await loadEngine('demo', { quiet: true });
  try {
    const trait = demoTrait(traitName);
    const settings = resolveSettings({ maxNewTokens, batchSize, maxExtractionQuestions: 10, maxEvaluationQuestions: 8 });
    const plan = planRollouts({ id: 'bench', trait, settings }, 'extraction').slice(0, n);
    const out: string[][] = [];
    let batchedRate = 0;
    for (const [label, bs] of [
      ['batched', batchSize],
      ['one at a time', 1],
    ] as const) {
      const ctx: PipelineContext = { engine, info, storage: new MemoryStorage() };
      const t0 = performance.now();
      const rollouts = await generatePlanned(
        ctx,
        plan.map((p) => ({ ...p, id: `${label}:${p.id}` })),
        { step: 'rollouts', maxNewTokens, batchSize: bs, sampling: null, seed: 0 },
      );
      const genS = (performance.now() - t0) / 1000;
      const tokens = rollouts.reduce((a, r) => a + r.tokens, 0);
      const t1 = performance.now();
      for (let i = 0; i < rollouts.length; i += bs) {
        await captureRows(engine, {
          rows: rollouts.slice(i, i + bs).map((r) => ({
            prompt: {
              messages: [
                { role: 'system' as const, content: r.system ?? '' },
                { role: 'user' as const, content: r.user },
              ],
            },
            response: r.response,
          })),
        });
      }
      const capS = (performance.now() - t1) / 1000;
      if (bs !== 1) batchedRate = n / genS;
      const speedup = bs === 1 ? `${fmt(batchedRate / (n / genS), 2)}× slower` : '';
      out.push([label, String(bs), String(n), fmt(genS, 2), fmt(n / genS, 2), fmt(tokens / genS, 0), fmt(n / capS, 1), speedup]);
    }
    const throughput = table(
      `Extraction throughput, demo model (${info.backend}, ${info.numLayers} layers × ${info.hiddenSize}), trait ${traitName}, ≤${maxNewTokens} new tokens, greedy`,
      ['mode', 'batch', 'responses', 'generate s', 'responses/s', 'tokens/s', 'captures/s', 'batched vs this'],
      out,
    );
    const storage = new MemoryStorage();
    const ctx: PipelineContext = { engine, info, storage };
    const run = (judge: ReturnType<typeof noJudge>) =>
      runPipeline(ctx, { trait, judge, settings: { ...settings, maxInstructions: 5, sweep: { alphas: [2], systemPrompt: null, maxQuestions: 8 } } });
    let t0 = performance.now();
    let res;
    try {
      res = await run(isDemoTrait(trait.name) ? lexiconJudge(trait) : noJudge());
    } catch (e) {
      if ((e as { code?: string }).code !== 'no_pairs') throw e;
      t0 = performance.now(); // an untrained model: time the steps without filtering
      res = await run(noJudge());
    }
    const total = performance.now() - t0;
    const stepRows = Object.entries(res.timingsMs).map(([step, ms]) => [step, fmt(ms! / 1000, 2), fmt((100 * ms!) / total, 0) + '%']);
    stepRows.push(['total', fmt(total / 1000, 2), '100%']);
    const steps = table(
      `Pipeline steps, demo model, trait ${traitName} (${res.counts.rollouts.pos}+${res.counts.rollouts.neg} extraction rollouts, ${res.counts.kept} pairs kept, judge ${res.judge}, sweep ${info.numLayers} layers × 1 α × 8 questions)`,
      ['step', 'seconds', 'share'],
      stepRows,
    );
    return `${throughput}\n\n${steps}\n`;
  } finally {
    await engine.unload();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // V8 tiers ORT's large wasm module up in the background, which takes a minute of CPU here and
  // slows everything while it runs; Liftoff code alone is faster for short runs.
  (await import('node:v8')).default.setFlagsFromString('--liftoff-only');
  process.stdout.write(await runPipelineBench());
  process.exit(0);
}
