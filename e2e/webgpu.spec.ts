/** Short flow for the WebGPU project (SwiftShader is slow): load through the Hub mirror, chat. */
import { expect, test } from '@playwright/test';
import { loadDemoViaHub, openLab, replyText, send, shot } from './lab';

test('load the demo through the Hub mirror and chat', async ({ page }, info) => {
  await openLab(page);
  const status = await loadDemoViaHub(page, 'auto');
  console.log(`[${info.project.name}] status: ${status}`);
  await shot(page, `${info.project.name}-model`);
  await send(page, 'How do I learn to cook?');
  expect(await replyText(page, 'Unsteered reply')).not.toBe('');
  await expect(page.getByRole('region', { name: 'Per-layer activations' })).toBeVisible();
  await shot(page, `${info.project.name}-chat`);
});
