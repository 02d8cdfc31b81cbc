/**
 * Child process of the memory benchmark: reads one ONNX file, instruments it, and prints JSON with
 * the time taken and the memory it added (current and peak), so the build of the synthetic model
 * in the parent does not hide this process's peak.
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { instrumentModel } from '../src/engine/onnx/instrument';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const [file, layers] = process.argv.slice(2);
const buf = readFileSync(file);
const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.length); // a view, no copy
gc();
gc();
const before = process.memoryUsage();
const maxRssBefore = process.resourceUsage().maxRSS * 1024;
const t = performance.now();
const inst = instrumentModel(bytes, { numLayers: Number(layers) });
const ms = performance.now() - t;
const after = process.memoryUsage();
const maxRssAfter = process.resourceUsage().maxRSS * 1024;
gc();
const settled = process.memoryUsage();
process.stdout.write(
  JSON.stringify({
    modelBytes: bytes.length,
    instrumentMs: ms,
    graphBytes: inst.model.length,
    sharesOriginalBuffer: inst.externalData.length > 0 && inst.externalData.every((d) => d.data.buffer === bytes.buffer),
    extraArrayBuffers: settled.arrayBuffers - before.arrayBuffers,
    extraRss: after.rss - before.rss,
    extraRssAfterGc: settled.rss - before.rss,
    peakExtraRss: maxRssAfter - maxRssBefore,
    extraHeapUsed: settled.heapUsed - before.heapUsed,
  }),
);
