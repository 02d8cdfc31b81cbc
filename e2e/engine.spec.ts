/**
 * The engine in a real browser worker, on WebGPU (SwiftShader) and WASM: loads models through the
 * Hub code path from the local mirror, generates, captures and steers.
 */
import { expect, test } from '@playwright/test';
import { HUB_PORT } from '../playwright.config';

const hub = `http://127.0.0.1:${HUB_PORT}`;

test('demo model: load via the Hub path, steer one row of a batch, capture all layers', async ({ page }, info) => {
  const backend = info.project.name === 'webgpu' ? ('webgpu' as const) : ('wasm' as const);
  await page.goto('/e2e/engine.html');
  await page.waitForFunction(() => window.engineReady);
  const result = await page.evaluate(
    async ({ hub, backend }) => {
      // Per file: loaded never goes backwards and ends at its total; overall bytes never go backwards.
      const perFile = new Map<string, number[]>();
      const overall: number[] = [];
      const model = await window.engine.load({ source: { kind: 'hub', id: 'persona-lab/persona-demo' }, backend, hubHost: hub }, (p) => {
        if (p.status !== 'progress' || !p.total) return;
        perFile.set(p.file, [...(perFile.get(p.file) ?? []), p.loaded / p.total]);
        overall.push(p.overallLoaded);
      });
      const fractions = [...perFile.values()];
      const messages = [{ role: 'user' as const, content: 'What is a good way to start the day?' }];
      const H = model.hiddenSize;
      const vector = new Float32Array(H).map((_, i) => (i % 2 ? 1 : -1));
      const gen = await window.engine.generate({
        rows: [
          { prompt: { messages }, steering: null },
          { prompt: { messages }, steering: [{ layer: 1, vector, alpha: 8 }] },
        ],
        maxNewTokens: 12,
        positions: 'all',
        seed: 7,
      });
      const solo = await window.engine.generate({ rows: [{ prompt: { messages }, steering: null }], maxNewTokens: 12, seed: 7 });
      const plain = await window.engine.capture({ rows: [{ prompt: { messages } }] });
      const steered = await window.engine.capture({ rows: [{ prompt: { messages }, steering: [{ layer: 1, vector, alpha: 2 }] }] });
      const T = plain.rows[0].ids.length;
      const rowDiff = (r: number) => {
        let max = 0;
        for (let i = 0; i < T * H; i++)
          max = Math.max(max, Math.abs(steered.rows[0].resid[r * T * H + i] - plain.rows[0].resid[r * T * H + i] - (r === 2 ? 2 * vector[i % H] : 0)));
        return max;
      };
      return {
        model,
        texts: gen.rows.map((r) => r.tokenIds.join(',')),
        solo: solo.rows[0].tokenIds.join(','),
        rows: plain.numRows,
        embedUnchanged: rowDiff(0),
        block0Unchanged: rowDiff(1),
        block1IsPlusAlphaV: rowDiff(2),
        progressMonotone: fractions.every((f) => f.every((x, i) => i === 0 || x >= f[i - 1])) && overall.every((x, i) => i === 0 || x >= overall[i - 1]),
        filesEndAtFull: fractions.length > 0 && fractions.every((f) => f[f.length - 1] === 1),
      };
    },
    { hub, backend },
  );
  console.log(
    `[${backend}]`,
    JSON.stringify({ ...result, model: { backend: result.model.backend, note: result.model.backendNote, style: result.model.exportStyle } }),
  );
  expect(result.model.backend).toBe(backend);
  expect(result.model.exportStyle).toBe('decomposed');
  expect(result.rows).toBe(result.model.numLayers + 1);
  expect(result.texts[0]).toBe(result.solo);
  expect(result.texts[1]).not.toBe(result.texts[0]);
  expect(result.embedUnchanged).toBe(0);
  expect(result.block0Unchanged).toBe(0);
  expect(result.block1IsPlusAlphaV).toBeLessThan(1e-3);
  expect(result.progressMonotone).toBe(true);
  expect(result.filesEndAtFull).toBe(true);
});

test('fused fp16 fixture through the Hub path: runs on WASM, says why when WebGPU lacks shader-f16', async ({ page }, info) => {
  await page.goto('/e2e/engine.html');
  await page.waitForFunction(() => window.engineReady);
  const model = await page.evaluate(
    ({ hub, backend }) => window.engine.load({ source: { kind: 'hub', id: 'persona-lab/tiny-random-llama-fused' }, backend, hubHost: hub }),
    { hub, backend: info.project.name === 'webgpu' ? ('webgpu' as const) : ('wasm' as const) },
  );
  expect(model.exportStyle).toBe('fused');
  expect(model.residualDtype).toBe('float16');
  expect(model.backend).toBe('wasm');
  if (info.project.name === 'webgpu') expect(model.backendNote).toContain('shader-f16');
  const gen = await page.evaluate(() => window.engine.generate({ rows: [{ prompt: { ids: [1, 15043, 3186] }, steering: null }], maxNewTokens: 4 }));
  expect(gen.rows[0].tokenIds).toHaveLength(4);
});
