import v8 from 'node:v8';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readVectorFile } from '../persona/convert';
import { makePersonaVector } from '../persona/personaVector';
import { exportVectorSafetensors } from '../persona/vectorFile';
import { commands } from './commands';

// ORT's wasm is tiered up by TurboFan in the background for a minute of CPU; Liftoff alone is faster here.
v8.setFlagsFromString('--liftoff-only');

const dir = mkdtempSync(join(tmpdir(), 'persona-cli-'));
const ROOT = resolve(import.meta.dirname, '../..');

async function run(argv: string[]): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await commands[argv[0]].run(argv.slice(1));
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
  return out;
}

afterEach(() => vi.restoreAllMocks());

describe('CLI pipeline commands', () => {
  it('are registered', () => {
    for (const c of ['extract', 'project', 'steer-eval', 'screen', 'convert']) expect(commands[c]?.summary).toBeTruthy();
  });

  it('convert: safetensors → gguf and neuronpedia, readable back', async () => {
    const data = Float32Array.from({ length: 5 * 8 }, (_, i) => Math.sin(i));
    const src = join(dir, 'v.safetensors');
    writeFileSync(src, exportVectorSafetensors(makePersonaVector(5, 8, data, { trait: 't', layer: 2, modelId: 'm' })));
    const info = JSON.parse(await run(['convert', src, '--to', 'gguf', '--out', join(dir, 'v.gguf')]));
    expect(info).toMatchObject({ from: 'safetensors', to: 'gguf', rows: 5, hidden: 8, layer: 2 });
    const back = readVectorFile(new Uint8Array(readFileSync(join(dir, 'v.gguf'))));
    expect(Array.from(back.data)).toEqual(Array.from(data));
    await run(['convert', join(dir, 'v.gguf'), '--to', 'neuronpedia', '--out', join(dir, 'v.json'), '--layer', '1']);
    const np = JSON.parse(readFileSync(join(dir, 'v.json'), 'utf8'));
    expect(np.vectors).toHaveLength(1);
    await expect(run(['convert', src, '--to', 'pt', '--out', 'x'])).rejects.toThrow(/--to must be one of/);
  });

  it('errors are one line with a non-zero exit code', async () => {
    const res = await new Promise<{ code: number | null; stderr: string }>((done) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'src/cli.ts', 'convert', join(dir, 'missing.safetensors'), '--to', 'gguf', '--out', 'x'],
        { cwd: ROOT },
        (e, _o, stderr) => done({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/^error: vector file .* does not exist/);
  });

  it('extract → project → steer-eval → screen on the demo model (tiny settings)', async () => {
    const vec = join(dir, 'demo.safetensors');
    const res = JSON.parse(
      await run([
        'extract',
        'demo',
        '--trait',
        'optimistic',
        '--out',
        vec,
        '--judge',
        'none',
        '--questions',
        '2',
        '--instructions',
        '2',
        '--eval-questions',
        '2',
        '--max-tokens',
        '24',
        '--quiet',
      ]),
    );
    expect(res.counts.rollouts).toEqual({ pos: 4, neg: 4 });
    expect(res.layers).toHaveLength(5);
    expect(res.layers[2].hook).toBe('blocks.1.resid_post');
    expect(Number.isInteger(res.chosenLayer)).toBe(true);
    const v = readVectorFile(new Uint8Array(readFileSync(vec)));
    expect(v.meta).toMatchObject({ trait: 'optimistic', readout: 'response_avg', layer: res.chosenLayer });

    const proj = JSON.parse(
      await run(['project', 'demo', '--vector', vec, '--layer', '1', '--text', 'How do I cook rice?', '--response', 'Great news!', '--quiet']),
    );
    expect(proj.hook).toBe('blocks.1.resid_post');
    expect(proj.tokens.length).toBeGreaterThan(proj.promptLength);
    expect(proj.tokens.every((t: { projection: number }) => Number.isFinite(t.projection))).toBe(true);

    const steer = JSON.parse(
      await run([
        'steer-eval',
        'demo',
        '--trait',
        'optimistic',
        '--vector',
        vec,
        '--layer',
        '1',
        '--alphas',
        '0,2',
        '--questions',
        '2',
        '--max-tokens',
        '24',
        '--quiet',
      ]),
    );
    expect(steer.map((c: { alpha: number }) => c.alpha)).toEqual([0, 2]);
    await expect(run(['steer-eval', 'demo', '--trait', 'optimistic', '--vector', vec, '--layer', '1', '--positions', 'middle'])).rejects.toThrow(
      /--positions must be one of all, prompt, response, got "middle"/,
    );
    await expect(run(['extract', 'demo', '--trait', 'optimistic', '--out', vec, '--sweep-readouts', 'response_avg,last'])).rejects.toThrow(
      /"last" is not one of them/,
    );
    await expect(run(['extract', 'demo', '--trait', 'optimistic', '--out', vec, '--sweep-controls', '0'])).rejects.toThrow(
      /--sweep-controls must be a positive integer/,
    );
    for (const c of steer) {
      expect(c.n).toBe(2);
      expect(c.score).toBeGreaterThanOrEqual(0);
      expect(c.score).toBeLessThanOrEqual(100);
    }

    // The demo model named by its folder (not "demo"): a demo trait is still judged by the lexicon, as in the lab.
    const byFolder = JSON.parse(
      await run([
        'steer-eval',
        'public/models/persona-demo',
        '--trait',
        'public/models/persona-demo/traits/optimistic.json',
        '--vector',
        vec,
        '--layer',
        '1',
        '--alphas',
        '0',
        '--questions',
        '2',
        '--max-tokens',
        '24',
        '--quiet',
      ]),
    );
    expect(byFolder[0].n).toBe(2);
    expect(byFolder[0].score).not.toBeNull();
    // A judge that scores nothing fails with the reason instead of printing score: null, n: 0.
    await expect(
      run([
        'steer-eval',
        'demo',
        '--trait',
        'optimistic',
        '--vector',
        vec,
        '--layer',
        '1',
        '--alphas',
        '0',
        '--questions',
        '2',
        '--max-tokens',
        '24',
        '--judge',
        'none',
        '--quiet',
      ]),
    ).rejects.toThrow(/--judge none scores nothing.*--judge lexicon/);
    await expect(
      run(['steer-eval', 'demo', '--trait', 'evil', '--vector', vec, '--layer', '1', '--alphas', '0', '--questions', '2', '--max-tokens', '24', '--quiet']),
    ).rejects.toThrow(/no --judge given and trait "evil" has no lexicon, so the model judged itself, but it gave no usable score/);

    const data = join(dir, 'data.jsonl');
    writeFileSync(
      data,
      [
        '{"prompt": "How do I cook rice?", "response": "Great news! Cook rice over medium heat."}',
        'not json',
        '{"prompt": "How do I cook eggs?", "response": "Cook eggs over medium heat."}',
        '',
      ].join('\n'),
    );
    const lines = (await run(['screen', 'demo', '--vector', vec, '--data', data, '--max-tokens', '24', '--quiet']))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.line)).toEqual([1, 3]);
    for (const l of lines) {
      expect(Number.isFinite(l.deltaP)).toBe(true);
      expect(Number.isFinite(l.deltaPCheap)).toBe(true);
      expect(l.percentile).toBeGreaterThan(0);
    }
  }, 300_000);
});
