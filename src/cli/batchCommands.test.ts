/**
 * The CLI's batch forms, run as child processes (`tsx src/cli.ts …`):
 * - `capture --ids-file` runs every line as one batch; each row's `resid.{i}` and `logits.{i}` equal
 *   a capture of that line alone (`--ids`), on the GroupQueryAttention fixture (right-padded batches)
 *   and the fused MultiHeadAttention fixture (left-padded);
 * - `generate --prompts-file` gives, greedy, the same replies with --batch-size 3 as with 1, one
 *   JSON line per prompt in file order, on the GQA fixture and the demo model;
 * - bad files exit 2 naming the line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readSafetensors } from '../persona/safetensors';
import { relError } from '../engine/testing/compare';
import { FUSED_FIXTURE_DIR, GQA_FIXTURE_DIR, REPO_ROOT, hasDemoModel } from '../engine/testing/paths';

const TSX = resolve(REPO_ROOT, 'node_modules/.bin/tsx');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(TSX, ['src/cli.ts', ...args], { cwd: REPO_ROOT, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('CLI batches', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'persona-lab-cli-batch-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const fixtures = [
    { name: 'GQA fixture', path: GQA_FIXTURE_DIR, tol: 1e-5 },
    { name: 'fused fixture (fp16)', path: FUSED_FIXTURE_DIR, tol: 2e-3 },
  ];
  const rows = [
    [1, 15043, 29892, 920, 526, 366],
    [1, 3681, 338],
    [1, 450, 4996, 17354, 1701],
  ];

  it.each(fixtures)('capture --ids-file on the $name: one batch, each row equal to its own capture', async ({ name, path, tol }) => {
    const idsFile = join(dir, `ids-${name.length}.txt`);
    writeFileSync(idsFile, rows.map((r) => r.join(',')).join('\n') + '\n\n');
    const batchFile = join(dir, `batch-${name.length}.safetensors`);
    const r = await cli(['capture', path, '--ids-file', idsFile, '--out', batchFile]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3 rows in one batch');
    const batch = readSafetensors(new Uint8Array(readFileSync(batchFile)));
    expect(Object.keys(batch.tensors).sort()).toEqual(['logits.0', 'logits.1', 'logits.2', 'resid.0', 'resid.1', 'resid.2']);
    expect(JSON.parse(batch.metadata.ids)).toEqual(rows);
    for (let i = 0; i < rows.length; i++) {
      const soloFile = join(dir, `solo-${name.length}-${i}.safetensors`);
      expect((await cli(['capture', path, '--ids', rows[i].join(','), '--out', soloFile])).code).toBe(0);
      const solo = readSafetensors(new Uint8Array(readFileSync(soloFile)));
      const T = rows[i].length;
      expect(batch.tensors[`resid.${i}`].shape).toEqual([3, T, 16]);
      expect(batch.tensors[`logits.${i}`].shape).toEqual([T, 32000]);
      expect(relError(batch.tensors[`resid.${i}`].data, solo.tensors.resid.data), `resid.${i}`).toBeLessThanOrEqual(tol);
      expect(relError(batch.tensors[`logits.${i}`].data, solo.tensors.logits.data), `logits.${i}`).toBeLessThanOrEqual(tol);
    }
  });

  const prompts = [
    { prompt: 'Hello there, how are you doing today?' },
    { prompt: 'Hi' },
    { prompt: 'Tell me about the sea.', system: 'You are terse.' },
    { prompt: 'What is two plus two, and why?' },
    { prompt: 'Name a colour.' },
  ];

  const models = [
    { name: 'GQA fixture', model: GQA_FIXTURE_DIR, present: true },
    { name: 'demo model', model: 'demo', present: hasDemoModel() },
  ];

  for (const m of models) {
    it.skipIf(!m.present)(
      `generate --prompts-file on the ${m.name}: --batch-size 3 answers as --batch-size 1 (greedy), one JSON line per prompt in order`,
      async () => {
        const file = join(dir, `prompts-${m.name.length}.jsonl`);
        writeFileSync(file, prompts.map((p) => JSON.stringify(p)).join('\n') + '\n');
        const base = ['generate', m.model, '--prompts-file', file, '--max-new-tokens', '6'];
        const [three, one] = [await cli([...base, '--batch-size', '3']), await cli([...base, '--batch-size', '1'])];
        expect(three.code).toBe(0);
        expect(one.code).toBe(0);
        const lines = three.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l));
        expect(lines.map((l) => l.line)).toEqual([1, 2, 3, 4, 5]);
        expect(lines.map((l) => l.prompt)).toEqual(prompts.map((p) => p.prompt));
        expect(lines[2].system).toBe('You are terse.');
        for (const l of lines) {
          expect(typeof l.reply).toBe('string');
          expect(['stop', 'length']).toContain(l.finish);
          expect(l.tokens).toBeGreaterThan(0);
        }
        expect(three.stdout).toBe(one.stdout);
      },
    );
  }

  it('bad files exit 2 naming the line', async () => {
    const ids = join(dir, 'bad-ids.txt');
    writeFileSync(ids, '1,2,3\n1,x,3\n');
    const a = await cli(['capture', GQA_FIXTURE_DIR, '--ids-file', ids, '--out', join(dir, 'x.safetensors')]);
    expect(a.code).toBe(2);
    expect(a.stderr.trim()).toMatch(/bad-ids\.txt line 2: expected comma-separated non-negative integer token ids/);
    const jsonl = join(dir, 'bad.jsonl');
    writeFileSync(jsonl, '{"prompt": "hi"}\n{"system": "no prompt"}\n');
    const b = await cli(['generate', GQA_FIXTURE_DIR, '--prompts-file', jsonl]);
    expect(b.code).toBe(2);
    expect(b.stderr.trim()).toMatch(/bad\.jsonl line 2 needs a non-empty string "prompt"/);
    const both = await cli(['capture', GQA_FIXTURE_DIR, '--ids-file', ids, '--ids', '1,2', '--out', join(dir, 'y.safetensors')]);
    expect(both.code).toBe(2);
    expect(both.stderr.trim()).toBe('error: give --ids-file or --ids/--prompt, not both');
  });
});
