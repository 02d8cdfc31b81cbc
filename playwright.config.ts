import { defineConfig } from '@playwright/test';
import { chromiumPath as executablePath, quietFlags, webgpuFlags } from './e2e/chromium';

/** Three consecutive ports from E2E_PORT_BASE (default 4173), so that two runs on one machine can coexist. */
const PORT_BASE = Number(process.env.E2E_PORT_BASE ?? 4173);
export const APP_PORT = PORT_BASE;
export const HUB_PORT = PORT_BASE + 1;
/** The production build (with its Content-Security-Policy), served by `vite preview`. */
export const PROD_PORT = PORT_BASE + 2;

/**
 * Every browser profile starts with the local Hub mirror already allowed (as if its user had said
 * "yes" once: src/state/actions/hostConsent.ts), so specs about other things are not asked first.
 * e2e/hostileLinks.spec.ts starts from an empty profile and tests the asking itself.
 */
export const TRUSTED_MIRROR_STATE = {
  cookies: [],
  origins: [APP_PORT, PROD_PORT].map((port) => ({
    origin: `http://localhost:${port}`,
    localStorage: [{ name: 'persona-lab:approved-hosts-v1', value: JSON.stringify([`http://127.0.0.1:${HUB_PORT}`]) }],
  })),
};

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  timeout: 240_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${APP_PORT}`,
    storageState: TRUSTED_MIRROR_STATE,
    trace: 'off',
    screenshot: 'off',
  },
  projects: [
    { name: 'webgpu', use: { launchOptions: { executablePath, args: [...quietFlags, ...webgpuFlags] } } },
    { name: 'wasm', use: { launchOptions: { executablePath, args: quietFlags } } },
  ],
  webServer: [
    {
      command: `PERSONA_LAB_E2E=1 npx vite --port ${APP_PORT} --strictPort`,
      url: `http://localhost:${APP_PORT}`,
      reuseExistingServer: !process.env.CI,
      timeout: 120_000,
    },
    {
      command: `npx tsx e2e/hubMirror.ts --port ${HUB_PORT}`,
      url: `http://127.0.0.1:${HUB_PORT}/persona-lab/persona-demo/resolve/main/config.json`,
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
    },
    {
      command: `npx vite build --logLevel warn && npx vite preview --port ${PROD_PORT} --strictPort`,
      url: `http://localhost:${PROD_PORT}`,
      reuseExistingServer: !process.env.CI,
      timeout: 180_000,
    },
  ],
});
