/**
 * The inspect, capture and generate commands, run as child processes (`tsx src/cli.ts …`) on the
 * fused fixture and the demo model. capture's safetensors output is checked with an independent
 * parser (python's json + numpy.frombuffer in /usr/bin/python3); that check is skipped only when
 * /usr/bin/python3 with numpy is missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeSafetensors } from '../persona/safetensors';
import { startHubServer, type HubServer } from '../engine/testing/hubServer';
import { seededFloats } from '../engine/testing/models';
import { DEMO_MODEL_DIR, FUSED_FIXTURE_DIR, REPO_ROOT, hasDemoModel } from '../engine/testing/paths';

const TSX = resolve(REPO_ROOT, 'node_modules/.bin/tsx');
const PYTHON = '/usr/bin/python3';
const hasNumpy =
  existsSync(PYTHON) &&
  (() => {
    try {
      execFileSync(PYTHON, ['-c', 'import numpy']);
      return true;
    } catch {
      return false;
    }
  })();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(TSX, ['src/cli.ts', ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Independent safetensors reader: header via json, data via numpy.frombuffer; prints a summary. */
const PY_SUMMARY = `
import json, struct, sys
import numpy as np
raw = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
header = json.loads(raw[8:8 + n])
data = raw[8 + n:]
out = {'metadata': header.pop('__metadata__', {}), 'tensors': {}}
for name, e in header.items():
    b, end = e['data_offsets']
    a = np.frombuffer(data[b:end], dtype='<f4').reshape(e['shape'])
    out['tensors'][name] = {'dtype': e['dtype'], 'shape': list(a.shape), 'sum': float(a.astype(np.float64).sum()),
                            'values': a.reshape(-1).astype(np.float64).tolist()}
print(json.dumps(out))
`;

interface PyTensor {
  dtype: string;
  shape: number[];
  sum: number;
  values: number[];
}
interface PySummary {
  metadata: Record<string, string>;
  tensors: Record<string, PyTensor>;
}

function pySummary(file: string): PySummary {
  return JSON.parse(execFileSync(PYTHON, ['-c', PY_SUMMARY, file], { maxBuffer: 1 << 28 }).toString());
}

describe('CLI: inspect, capture, generate', () => {
  let dir: string;
  let hub: HubServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'persona-lab-cli-'));
    hub = await startHubServer({ 'test-org/tiny-fused': FUSED_FIXTURE_DIR });
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await hub?.close();
  });

  it('inspect <folder> prints the model as the instrumentation sees it', async () => {
    const r = await cli(['inspect', '../shared/fixtures/tiny-random-llama-fused']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      architecture: 'llama',
      exportStyle: 'fused',
      numLayers: 2,
      hiddenSize: 16,
      vocabSize: 32000,
      residualDtype: 'float16',
      hookPoints: ['embed', 'blocks.0.resid_post', 'blocks.1.resid_post'],
    });
  });

  it.skipIf(!hasDemoModel())('inspect demo reads the bundled demo model', async () => {
    const config = JSON.parse(readFileSync(join(DEMO_MODEL_DIR, 'config.json'), 'utf8'));
    const r = await cli(['inspect', 'demo']);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info).toMatchObject({
      architecture: config.model_type,
      exportStyle: 'decomposed',
      numLayers: config.num_hidden_layers,
      hiddenSize: config.hidden_size,
      vocabSize: config.vocab_size,
      residualDtype: 'float32',
    });
    expect(info.hookPoints).toHaveLength(config.num_hidden_layers + 1);
  });

  it('inspect <Hub id> goes through the Hub code path (PERSONA_LAB_HUB = a local server)', async () => {
    const r = await cli(['inspect', 'test-org/tiny-fused'], { PERSONA_LAB_HUB: hub.url });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: 'test-org/tiny-fused', exportStyle: 'fused', numLayers: 2 });
    expect(hub.requests).toContainEqual({ path: '/test-org/tiny-fused/resolve/main/onnx/model.onnx.data', status: 200 });
  });

  it('inspect <URL> reads a repository laid out like the Hub below any base URL', async () => {
    const r = await cli(['inspect', `${hub.url}/test-org/tiny-fused/resolve/main/`]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ exportStyle: 'fused', numLayers: 2, hiddenSize: 16 });
  });

  it('a missing Hub model exits 1 with one line', async () => {
    const r = await cli(['inspect', 'test-org/nothing-here'], { PERSONA_LAB_HUB: hub.url });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: .*test-org\/nothing-here has no config\.json/);
  });

  it('usage errors exit 2 with one line', async () => {
    const missing = await cli(['capture', '../shared/fixtures/tiny-random-llama-fused', '--ids', '1,2']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe('error: missing --out');
    const noVector = join(dir, 'empty.safetensors');
    writeFileSync(noVector, writeSafetensors({ direction: { shape: [16], data: new Float32Array(16) } }));
    const wrong = await cli([
      'capture',
      '../shared/fixtures/tiny-random-llama-fused',
      '--ids',
      '1,2',
      '--out',
      join(dir, 'x.safetensors'),
      '--steer',
      noVector,
      '--layer',
      '0',
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrong.stderr).toContain('has no tensor "vector"; it holds direction');
  });

  it.skipIf(!hasNumpy)('capture writes resid [L+1, T, H] and logits [T, V] as F32 safetensors; --steer adds α·v to block L', async () => {
    const fixture = '../shared/fixtures/tiny-random-llama-fused';
    const H = 16;
    const L = 2;
    const ids = '1,15043,29892,920';
    const T = 4;
    const plainFile = join(dir, 'plain.safetensors');
    const r = await cli(['capture', fixture, '--ids', ids, '--out', plainFile]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`resid [${L + 1}, ${T}, ${H}]`);
    const plain = pySummary(plainFile);
    expect(plain.tensors.resid).toMatchObject({ dtype: 'F32', shape: [L + 1, T, H] });
    expect(plain.tensors.logits).toMatchObject({ dtype: 'F32', shape: [T, 32000] });
    expect(plain.metadata.ids).toBe(`[${ids}]`);
    expect(JSON.parse(plain.metadata.hook_points)).toEqual(['embed', 'blocks.0.resid_post', 'blocks.1.resid_post']);
    expect(plain.tensors.resid.values.every(Number.isFinite)).toBe(true);

    // Steering with a [hidden] vector at block 0, α = 2 …
    const v = seededFloats(H, 21);
    const vecFile = join(dir, 'v.safetensors');
    writeFileSync(vecFile, writeSafetensors({ vector: { shape: [H], data: v } }));
    const steeredFile = join(dir, 'steered.safetensors');
    expect((await cli(['capture', fixture, '--ids', ids, '--out', steeredFile, '--steer', vecFile, '--layer', '0', '--alpha', '2'])).code).toBe(0);
    const steered = pySummary(steeredFile);
    const at = (s: PySummary, row: number, t: number, h: number) => s.tensors.resid.values[(row * T + t) * H + h];
    let worst = 0;
    let scale = 0;
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < H; h++) {
        expect(at(steered, 0, t, h)).toBe(at(plain, 0, t, h)); // embed: untouched
        const expected = at(plain, 1, t, h) + 2 * v[h];
        worst = Math.max(worst, Math.abs(at(steered, 1, t, h) - expected));
        scale = Math.max(scale, Math.abs(expected));
      }
    }
    // float16 residual stream: x + α·v is rounded to fp16 (relative step 2^-11), so allow 2^-10 of the scale.
    expect(worst).toBeLessThanOrEqual(scale * 2 ** -10);
    expect(steered.tensors.logits.sum).not.toBe(plain.tensors.logits.sum);

    // … equals steering with an [L+1, hidden] file whose row L+1 is that vector (other rows are noise).
    const rows = seededFloats((L + 1) * H, 99);
    rows.set(v, H);
    const rowsFile = join(dir, 'rows.safetensors');
    writeFileSync(rowsFile, writeSafetensors({ vector: { shape: [L + 1, H], data: rows } }));
    const viaRowsFile = join(dir, 'via-rows.safetensors');
    expect((await cli(['capture', fixture, '--ids', ids, '--out', viaRowsFile, '--steer', rowsFile, '--layer', '0', '--alpha', '2'])).code).toBe(0);
    const viaRows = pySummary(viaRowsFile);
    expect(viaRows.tensors.resid.values).toEqual(steered.tensors.resid.values);
    expect(viaRows.tensors.logits.sum).toBe(steered.tensors.logits.sum);
    expect(JSON.parse(viaRows.metadata.steering)).toEqual({ layer: 0, alpha: 2, positions: 'all' });
  });

  it.skipIf(!hasDemoModel())('generate prints a reply; same seed, same text; steering changes it', async () => {
    const base = ['generate', 'demo', '--prompt', 'What do you think of people?', '--max-new-tokens', '12', '--temperature', '1', '--seed', '7'];
    const a = await cli(base);
    const b = await cli(base);
    expect(a.code).toBe(0);
    expect(a.stdout.trim().length).toBeGreaterThan(0);
    expect(b.stdout).toBe(a.stdout);
    const config = JSON.parse(readFileSync(join(DEMO_MODEL_DIR, 'config.json'), 'utf8'));
    const vecFile = join(dir, 'demo-v.safetensors');
    writeFileSync(vecFile, writeSafetensors({ vector: { shape: [config.hidden_size], data: seededFloats(config.hidden_size, 5) } }));
    const steered = await cli([...base, '--steer', vecFile, '--layer', '1', '--alpha', '40', '--positions', 'all']);
    expect(steered.code).toBe(0);
    expect(steered.stdout).not.toBe(a.stdout);
  });
});
