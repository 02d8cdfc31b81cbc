/**
 * `inspect <model>` → JSON: architecture, export style, layer count, hidden size, vocabulary,
 * residual dtype and hook points, as the instrumentation found them.
 */
import { parseArgs, positional } from './args';
import type { Command } from './commands';
import { loadEngine } from './loadEngine';

export const inspect: Command = {
  summary: 'what the engine sees in a model: inspect <model> (folder, demo, Hub id or URL) → JSON',
  async run(argv) {
    const args = parseArgs(argv);
    const model = positional(args, 0, '<model> (a folder, demo, a Hub id or a URL)');
    const { engine, info } = await loadEngine(model, { quiet: true });
    try {
      const summary = {
        id: info.id,
        architecture: info.modelType,
        exportStyle: info.exportStyle,
        numLayers: info.numLayers,
        hiddenSize: info.hiddenSize,
        vocabSize: info.vocabSize,
        maxPositions: info.maxPositions,
        residualDtype: info.residualDtype,
        hookPoints: info.hookPoints,
        variant: info.variant,
        backend: info.backend,
        hasChatTemplate: info.hasChatTemplate,
      };
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    } finally {
      await engine.unload();
    }
  },
};
