/** The CLI picks an ONNX variant with PERSONA_LAB_VARIANT, and refuses one that cannot fit before reading its weights. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FUSED_FIXTURE_DIR, REPO_ROOT } from '../engine/testing/paths';
import { addHugeVariant, addVariant, startRepo } from '../engine/testing/variantRepos';

const TSX = resolve(REPO_ROOT, 'node_modules/.bin/tsx');
const FIXTURE_ONNX = join(FUSED_FIXTURE_DIR, 'onnx/model.onnx');

function inspect(dir: string, variant: string | null): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: Record<string, string | undefined> = { ...process.env, PERSONA_LAB_VARIANT: variant ?? '' };
  return new Promise((done) => {
    execFile(TSX, ['src/cli.ts', 'inspect', dir], { cwd: REPO_ROOT, env, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('PERSONA_LAB_VARIANT', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'persona-lab-cli-variants-'));
    startRepo(FUSED_FIXTURE_DIR, dir);
    addVariant(dir, FIXTURE_ONNX, 'onnx/model.onnx', ['model.onnx_data']);
    addVariant(dir, FIXTURE_ONNX, 'onnx/model_fp16.onnx', ['model_fp16.onnx_data', 'model_fp16.onnx_data_1']);
    addHugeVariant(dir, FIXTURE_ONNX, 'onnx/model_quantized.onnx', 'model_quantized.onnx_data', 4.5 * 2 ** 30);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the named variant; unset, the WASM default (q8 would come first but cannot fit, so fp32); a too-big one is refused, exit 1', async () => {
    const picked = await inspect(dir, 'fp16');
    expect(picked.code, picked.stderr).toBe(0);
    expect(JSON.parse(picked.stdout).variant).toBe('onnx/model_fp16.onnx');
    const auto = await inspect(dir, null);
    expect(auto.code, auto.stderr).toBe(0);
    expect(JSON.parse(auto.stdout).variant).toBe('onnx/model.onnx');
    const big = await inspect(dir, 'q8');
    expect(big.code).toBe(1);
    expect(big.stderr).toContain('q8 needs 4.50 GB, more than WASM can hold');
    expect(big.stderr).toContain('nothing was downloaded');
  }, 180_000);
});
