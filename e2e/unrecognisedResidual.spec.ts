/**
 * Issue 6, bad input: a decoder whose residual path the instrumentation does not recognise (the
 * embedding feeds a MatMul straight to the logits: no chain of residual Adds) → role="alert" with the
 * instrumentation's explanation, and the lab stays usable (the demo model loads afterwards).
 * The ONNX is built here with the project's own protobuf writer; the folder goes in through the
 * "Model folder" picker (the files source), so no engine or mirror changes are needed.
 */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { buildOnnx, float32Raw, TensorType } from '../src/engine/testing/onnxBuilder';
import { goTo, loadDemoViaHub, openLab } from './lab';

const DEMO = 'public/models/persona-demo';

function unrecognisedDecoder(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'persona-no-resid-')), 'no-residual');
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'generation_config.json'])
    copyFileSync(join(DEMO, f), join(dir, f));
  const vocab = 1280;
  const hidden = 8;
  writeFileSync(
    join(dir, 'onnx/model.onnx'),
    buildOnnx({
      inputs: [
        { name: 'input_ids', elemType: TensorType.INT64, dims: ['batch', 'seq'] },
        { name: 'attention_mask', elemType: TensorType.INT64, dims: ['batch', 'seq'] },
      ],
      outputs: [{ name: 'logits', elemType: TensorType.FLOAT, dims: ['batch', 'seq', vocab] }],
      initializers: [
        {
          name: 'model.embed_tokens.weight',
          dataType: TensorType.FLOAT,
          dims: [vocab, hidden],
          raw: float32Raw(Array.from({ length: vocab * hidden }, (_, i) => ((i * 37) % 11) / 11 - 0.5)),
        },
        {
          name: 'lm_head.weight',
          dataType: TensorType.FLOAT,
          dims: [hidden, vocab],
          raw: float32Raw(Array.from({ length: vocab * hidden }, (_, i) => ((i * 13) % 7) / 7 - 0.5)),
        },
      ],
      nodes: [
        { op: 'Gather', inputs: ['model.embed_tokens.weight', 'input_ids'], outputs: ['embeds'] },
        { op: 'MatMul', inputs: ['embeds', 'lm_head.weight'], outputs: ['logits'] },
      ],
    }),
  );
  return dir;
}

test('a decoder without a recognisable residual stream: role="alert" explains, the lab stays usable', async ({ page }, info) => {
  test.skip(info.project.name !== 'wasm', 'one backend is enough');
  test.setTimeout(300_000);
  await openLab(page);
  await goTo(page, 'Model');
  await page.getByLabel('Model folder').setInputFiles(unrecognisedDecoder());
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('expected a residual stream (a chain of Add or SkipSimplifiedLayerNormalization nodes) after the embedding', {
    timeout: 60_000,
  });
  await expect(alert).toContainText('it feeds MatMul');
  console.log(`[no-residual] ${(await alert.textContent())?.trim()}`);
  // still usable: the demo model loads and replies
  await loadDemoViaHub(page, 'wasm');
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect(page.getByText('4 decoder blocks')).toBeVisible();
});
