import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/** WASM threads (SharedArrayBuffer) need a cross-origin isolated page. */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * Content-Security-Policy of the production build: no inline script, no eval (WebAssembly
 * compilation only), data-only connections to whatever model host the user picks.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self' https: http://localhost:* http://127.0.0.1:*",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Puts the CSP into the built index.html (the dev server needs inline scripts for hot reload). */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'persona-lab:csp',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' }],
  };
}

export default defineConfig({
  // One page, no SPA fallback: a missing model file must be a 404, not index.html (the fetchers treat 200 as the file).
  appType: 'mpa',
  plugins: [react(), contentSecurityPolicy()],
  server: {
    headers: isolationHeaders,
    port: 5173,
    // Browser tests must not see a page reload when a source file changes under them.
    ...(process.env.PERSONA_LAB_E2E ? { hmr: false, watch: null } : {}),
  },
  preview: { headers: { ...isolationHeaders, 'Content-Security-Policy': CONTENT_SECURITY_POLICY } },
  worker: { format: 'es' },
  // Pre-bundle up front so the dev server never reloads a page to add a late-found dependency.
  optimizeDeps: {
    entries: ['index.html', 'e2e/engine.html'],
    include: ['@huggingface/transformers', 'react', 'react-dom', 'react-dom/client', 'zustand', 'recharts', 'fflate'],
    exclude: ['onnxruntime-web'],
  },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
});
