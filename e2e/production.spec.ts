/**
 * The production build under its Content-Security-Policy: the lab loads the demo model and
 * generates with no policy violation and no request to any host but the page's own.
 */
import { expect, test } from '@playwright/test';
import { PROD_PORT } from '../playwright.config';
import { replyText, send } from './lab';

test('production build: CSP holds, no third-party requests, the demo model answers', async ({ page }, info) => {
  test.skip(info.project.name !== 'wasm', 'one backend is enough for the policy check');
  const origin = `http://localhost:${PROD_PORT}`;
  const foreign: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) foreign.push(r.url());
  });
  await page.addInitScript(() => {
    (window as unknown as { violations: string[] }).violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as unknown as { violations: string[] }).violations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  await page.goto(`${origin}/?backend=wasm`);
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
  // the lab opens with the bundled demo model loaded: nothing to click
  await expect(page.getByRole('status')).toContainText(/WASM|WebGPU/, { timeout: 120_000 });
  await send(page, 'How do I keep my plants alive?');
  expect((await replyText(page, 'Unsteered reply')).length).toBeGreaterThan(0);
  const violations = await page.evaluate(() => (window as unknown as { violations: string[] }).violations);
  expect(violations).toEqual([]);
  expect(foreign).toEqual([]);
});
