/**
 * Unit and integration tests (Node). ORT-wasm on a shared 2-core machine is slow, so timeouts are
 * generous and at most two test files run at once; Playwright specs (e2e/) and bench/ stay out.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
    exclude: ['e2e/**', 'bench/**', 'node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Baseline (Liftoff) wasm code only: V8's background optimising compile of ORT's 28 MB wasm
    // takes ~50 s of CPU here and slows every test meanwhile (see src/cli/loadEngine.ts).
    execArgv: ['--liftoff-only'],
    maxWorkers: 2,
    fileParallelism: true,
  },
});
