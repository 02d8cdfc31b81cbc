/**
 * `npm run bench:webgpu [--model <folder>] [--real q4|fp32 [--small]] [--tokens N] [--reps N]` (or BENCH_MODEL,
 * BENCH_REAL, BENCH_TOKENS, BENCH_REPS): starts Vite (the app's config: COOP/COEP headers) with the
 * model folder served at /bench-models/m/, opens bench/webgpu/index.html in Debian's Chromium with
 * the WebGPU flags (SwiftShader where there is no GPU), runs the bench page and prints its figures,
 * then writes them into bench/RESULTS.md under "## WebGPU …". A bench, not a test: nothing asserts.
 * Default model: the demo (public/models/persona-demo); --real builds bench/realSize.ts's
 * Qwen2.5-0.5B-shaped random-weight graph (for a machine with a GPU); with --small, the same layout
 * at 2 blocks × 128 (QWEN_SHAPED_SMALL), which checks that path on SwiftShader in seconds.
 */
import { createReadStream, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve, normalize } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { createServer, type Plugin } from 'vite';
import type { BenchOptions, BenchReport } from './page';
import { chromiumPath, quietFlags, webgpuFlags } from '../../e2e/chromium';

const root = resolve(import.meta.dirname, '../..');
const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    real: { type: 'string' },
    tokens: { type: 'string' },
    reps: { type: 'string' },
    port: { type: 'string' },
    small: { type: 'boolean' },
  },
});
const real = args.real ?? process.env.BENCH_REAL;
const tokens = Number(args.tokens ?? process.env.BENCH_TOKENS ?? 16);
const reps = Number(args.reps ?? process.env.BENCH_REPS ?? 3);
if (real && real !== 'q4' && real !== 'fp32') throw new Error(`--real takes q4 or fp32, not ${JSON.stringify(real)}`);
if (!(tokens >= 2 && reps >= 1)) throw new Error('--tokens needs at least 2 and --reps at least 1');

const DEFAULT_MODEL = 'public/models/persona-demo';
let modelDir = resolve(root, args.model ?? process.env.BENCH_MODEL ?? DEFAULT_MODEL);
let label = modelDir.startsWith(root) ? modelDir.slice(root.length + 1) : modelDir;
if (real) {
  process.stdout.write(`building the ${args.small ? 'small ' : ''}Qwen2.5-shaped ${real} graph (random weights)…\n`);
  const { writeQwenShapedFolder, QWEN_0_5B, QWEN_SHAPED_SMALL } = await import('../realSize');
  const built = writeQwenShapedFolder(real as 'q4' | 'fp32', args.small ? QWEN_SHAPED_SMALL : QWEN_0_5B);
  modelDir = built.dir;
  label = `${args.small ? 'Qwen2.5-shaped, small (2 blocks × 128)' : 'Qwen2.5-0.5B-shaped'} ${real}, random weights, ${(built.modelBytes / 2 ** 20).toFixed(1)} MiB`;
}
if (!existsSync(join(modelDir, 'config.json'))) throw new Error(`${modelDir} has no config.json: pass --model <folder of a Hub-layout model>`);
const stem = ['model', 'model_fp16', 'model_q4f16', 'model_q4', 'model_quantized'].find((s) => existsSync(join(modelDir, 'onnx', `${s}.onnx`)));
if (!stem) throw new Error(`${modelDir}/onnx holds none of model.onnx, model_fp16.onnx, model_q4.onnx: ${readdirSync(join(modelDir, 'onnx')).join(', ')}`);

/** The model folder at /bench-models/m/ (GET and HEAD; the engine asks sizes first). */
function serveModel(dir: string): Plugin {
  return {
    name: 'bench:model-folder',
    configureServer(server) {
      server.middlewares.use('/bench-models/m/', (req, res, next) => {
        const rel = normalize(decodeURIComponent((req.url ?? '/').split('?')[0])).replace(/^\/+/, '');
        const file = join(dir, rel);
        if (rel.startsWith('..') || !existsSync(file) || !statSync(file).isFile()) {
          res.statusCode = 404;
          return res.end();
        }
        res.setHeader('Content-Length', statSync(file).size);
        res.setHeader('Content-Type', file.endsWith('.json') ? 'application/json' : 'application/octet-stream');
        res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
        res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
        if (req.method === 'HEAD') return res.end();
        if (req.method !== 'GET') return next();
        createReadStream(file).pipe(res);
      });
    },
  };
}

process.env.PERSONA_LAB_E2E = '1'; // no hot reload, no file watching (vite.config.ts)
const server = await createServer({
  configFile: resolve(root, 'vite.config.ts'),
  root,
  logLevel: 'warn',
  server: { port: Number(args.port ?? 4190), strictPort: false },
  plugins: [serveModel(modelDir)],
  optimizeDeps: { entries: ['bench/webgpu/index.html'] },
});
await server.listen();
const base = server.resolvedUrls?.local[0] ?? 'http://localhost:4190/';

/** The e2e run's WebGPU flags (SwiftShader's adapter where there is no GPU), unless BENCH_GPU_FLAGS names others. */
const gpuFlags = process.env.BENCH_GPU_FLAGS?.split(' ').filter(Boolean) ?? webgpuFlags;
const browser = await chromium.launch({ executablePath: chromiumPath, args: [...quietFlags, ...gpuFlags] });
let report: BenchReport;
try {
  const page = await browser.newPage();
  page.on('console', (m) => m.text().startsWith('[bench]') && process.stdout.write(`${m.text()}\n`));
  page.on('pageerror', (e) => process.stdout.write(`[page error] ${e.message}\n`));
  await page.goto(new URL('bench/webgpu/index.html', base).href);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 180_000 });
  const options: BenchOptions = { modelUrl: new URL('bench-models/m/', base).href, stem, tokens, reps };
  process.stdout.write(`model ${label} (onnx/${stem}.onnx), ${tokens} new tokens per run, ${reps} repetitions\n`);
  page.setDefaultTimeout(0);
  report = await page.evaluate((o) => window.runBench(o), options);
} finally {
  await browser.close();
  await server.close();
}

const f = (x: number, d = 3) => x.toFixed(d);
const gpuName = report.adapter ?? 'none';
const software = /swiftshader/i.test(gpuName);
const backendHeading =
  report.backend === 'webgpu'
    ? software
      ? 'WebGPU (SwiftShader, no GPU in this session)'
      : `WebGPU (${gpuName})`
    : report.adapter
      ? `WASM in the browser (WebGPU adapter ${gpuName} present, not used)`
      : 'WASM in the browser (no WebGPU adapter in this session)';
const heading = `${backendHeading}${label === DEFAULT_MODEL ? '' : `: ${label}`}`;
const rows: [string, string, string][] = [
  [
    'decode tok/s, our generate() ÷ transformers.js generate()',
    report.tokPerS.transformersJs ? f(report.tokPerS.ours / report.tokPerS.transformersJs) : 'n/a',
    `${f(report.tokPerS.ours, 1)} vs ${report.tokPerS.transformersJs ? f(report.tokPerS.transformersJs, 1) : '—'} tok/s; tokens agree: ${report.tokensAgree.oursVsTransformersJs ?? 'n/a'}; ${report.transformersJsNote}`,
  ],
  [
    'decode tok/s, instrumented ÷ original (minimal greedy loops)',
    f(report.tokPerS.instrumented / report.tokPerS.original),
    `${f(report.tokPerS.instrumented, 1)} vs ${f(report.tokPerS.original, 1)} tok/s; tokens identical: ${report.tokensAgree.instrumentedVsOriginal}`,
  ],
  [
    'batch of 4 ÷ 4 sequential (speed-up)',
    f(report.batch.sequentialMs / report.batch.batchMs),
    `greedy, ${tokens} tokens, prompts 16/12/9/5: ${f(report.batch.batchMs, 0)} vs ${f(report.batch.sequentialMs, 0)} ms; tokens equal solo runs: ${report.batch.tokensAgree}`,
  ],
  [
    'slider → first steered token, in decode steps',
    f(report.slider.steps),
    `engine, response mode, prefix reuse, steered row only, 24-token prompt: ${f(report.slider.firstMs, 1)} ms vs a ${f(report.slider.stepMs, 1)} ms step (medians)`,
  ],
];
const table = ['| measure | value | conditions |', '|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
process.stdout.write(
  `\n${report.fallback ? `NOT ON WEBGPU: ${report.fallback}\n` : ''}backend ${report.backend}, adapter: ${gpuName}\n${table}\n\nbench page took ${f(report.seconds, 0)} s\n`,
);

const section = `## ${heading}

Written by \`npm run bench:webgpu\` (bench/webgpu/run.ts) on ${new Date().toISOString().slice(0, 10)}: headless Chromium
(${browser.version()}), backend **${report.backend}**, adapter: **${gpuName}**${report.fallback ? ` (${report.fallback})` : ''}.
Model: ${label} (onnx/${stem}.onnx, ${report.numLayers} blocks × ${report.hiddenSize}); ${tokens} new tokens per run, ${reps}
interleaved repetitions (ABBA) after a warm-up. Wall-clock times in the page (a page has no CPU clock); decode tok/s =
1000 / lower-quartile decode step (prefill left out). Both engines run on one onnxruntime-web instance in one page.
${software ? "SwiftShader runs WebGPU's shaders on the CPU, here on cores shared with other jobs: these figures show the WebGPU path\nworking end to end and a rough comparison of the two engines on it, not how fast a GPU is, and they move by tens of\nper cent from run to run. No GPU machine was lent to this session; on one, the same command (`npm run bench:webgpu`;\n`--real q4` for the Qwen2.5-0.5B-shaped graph) adds a section named after the GPU.\n" : ''}
${table}
`;
const resultsFile = resolve(root, 'bench/RESULTS.md');
const old = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '# Benchmark results\n';
// replace an earlier section of the same heading, else append
const start = old.indexOf(`## ${heading}\n`);
const end = start < 0 ? -1 : old.indexOf('\n## ', start + 1);
const updated = start < 0 ? `${old.trimEnd()}\n\n${section}` : `${old.slice(0, start)}${section}${end < 0 ? '' : old.slice(end)}`;
writeFileSync(resultsFile, updated);
process.stdout.write(`wrote the "${heading}" section of bench/RESULTS.md\n`);
process.exit(0);
