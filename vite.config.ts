import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/** WASM threads (SharedArrayBuffer) need a cross-origin isolated page. */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** A connect-src source a build may add: a scheme (`https:`) or an origin, optionally `*.`-prefixed or with any port. */
const CONNECT_SOURCE = /^(?:https?:|https?:\/\/(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::(?:\d{1,5}|\*))?)$/i;

/** Sources named in PERSONA_LAB_CONNECT_SRC (space-separated); anything else stops the build. */
export function extraConnectSources(text: string | undefined): string[] {
  const list = (text ?? '').split(/\s+/).filter(Boolean);
  const bad = list.filter((s) => !CONNECT_SOURCE.test(s));
  if (bad.length)
    throw new Error(
      `PERSONA_LAB_CONNECT_SRC: ${bad.map((b) => JSON.stringify(b)).join(', ')} is not a connect-src source like https://hf-mirror.com, https://*.example.org or https:`,
    );
  return list;
}

/**
 * Where the production build may connect. The lab asks before contacting any host but this page
 * and the official Hub (src/state/actions/hostConsent.ts); this policy is the second wall, against
 * script that should never have run. It names the Hub and the hosts its file URLs redirect to (LFS
 * and Xet storage under *.huggingface.co and *.hf.co), the OpenAI API (a judge endpoint preset) and
 * servers on this machine (a Hub mirror, Ollama, LM Studio, llama.cpp). A host a user allows at run
 * time cannot be known when the page is built: PERSONA_LAB_CONNECT_SRC adds sources to a build
 * (e.g. "https://hf-mirror.com"; "https:" allows every https host, as builds before issue 20 did).
 */
export const CONNECT_SOURCES: readonly string[] = [
  "'self'",
  'https://huggingface.co',
  'https://*.huggingface.co',
  'https://*.hf.co',
  'https://api.openai.com',
  'http://localhost:*',
  'http://127.0.0.1:*',
  ...extraConnectSources(process.env.PERSONA_LAB_CONNECT_SRC),
];

/** Content-Security-Policy of the production build: no inline script, no eval (WebAssembly compilation only), connections as above. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  `connect-src ${CONNECT_SOURCES.join(' ')}`,
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

export default defineConfig(({ command }) => ({
  // the build's connect-src, so the lab can say before loading that the page's policy would block a host
  define: { __PERSONA_LAB_CONNECT_SRC__: JSON.stringify(command === 'build' ? CONNECT_SOURCES : null) },
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
}));
