import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** WASM threads (SharedArrayBuffer) need a cross-origin isolated page. */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** Serves onnxruntime-web's wasm runtime files at /ort/ (dev) and copies them into the build. */
function ortRuntimeFiles(): Plugin {
  const dir = resolve('node_modules/onnxruntime-web/dist');
  const files = readdirSync(dir).filter((f) => /^ort-wasm.*\.(wasm|mjs)$/.test(f));
  return {
    name: 'persona-lab:ort-runtime',
    configureServer(server) {
      server.middlewares.use('/ort/', (req, res, next) => {
        const name = (req.url ?? '').replace(/^\//, '').split('?')[0];
        if (!files.includes(name)) return next();
        res.setHeader('Content-Type', name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
        res.setHeader('Content-Length', statSync(join(dir, name)).size);
        res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
        // ORT starts its WASM threads as workers from these files: a worker in an isolated page needs COEP too.
        for (const [k, v] of Object.entries(isolationHeaders)) res.setHeader(k, v);
        createReadStream(join(dir, name)).pipe(res);
      });
    },
    async generateBundle() {
      for (const name of files) {
        this.emitFile({ type: 'asset', fileName: `ort/${name}`, source: await readFile(join(dir, name)) });
      }
    },
  };
}

export default defineConfig({
  // One page, no SPA fallback: a missing model file must be a 404, not index.html (the fetchers treat 200 as the file).
  appType: 'mpa',
  plugins: [react(), ortRuntimeFiles()],
  server: {
    headers: isolationHeaders,
    port: 5173,
    // Browser tests must not see a page reload when a source file changes under them.
    ...(process.env.PERSONA_LAB_E2E ? { hmr: false, watch: null } : {}),
  },
  preview: { headers: isolationHeaders },
  worker: { format: 'es' },
  // Pre-bundle up front so the dev server never reloads a page to add a late-found dependency.
  optimizeDeps: {
    entries: ['index.html', 'e2e/engine.html'],
    include: ['@huggingface/transformers', 'react', 'react-dom', 'react-dom/client', 'zustand', 'recharts', 'fflate'],
    exclude: ['onnxruntime-web'],
  },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
});
