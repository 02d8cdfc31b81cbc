/**
 * The production build's connect-src (issue 20): the official Hub and the hosts its downloads
 * redirect to are reachable, a stranger's host is not (it was: the policy said `https:`), and the
 * consent card's check reads source expressions the way the browser does.
 */
import { describe, expect, it } from 'vitest';
import { CONNECT_SOURCES, CONTENT_SECURITY_POLICY, extraConnectSources } from '../../vite.config';
import { policyAllows, sourceMatches } from './connectPolicy';

const PAGE = 'https://lab.example';

describe('connect-src of the production build', () => {
  it('reaches this page, the Hub, its LFS and Xet storage hosts and local servers; not a stranger', () => {
    for (const o of [
      'https://lab.example',
      'https://huggingface.co',
      'https://cdn-lfs-us-1.hf.co',
      'https://cas-bridge.xethub.hf.co',
      'https://us.aws.cdn.hf.co',
      'https://cdn-lfs.huggingface.co',
      'http://127.0.0.1:4174',
      'http://localhost:11434',
      'https://api.openai.com',
    ]) {
      expect(policyAllows(o, CONNECT_SOURCES, PAGE), o).toBe(true);
    }
    for (const o of [
      'https://models.example',
      'http://models.example',
      'https://huggingface.co.evil.example',
      'https://evilhf.co',
      'http://huggingface.co',
      'https://192.168.1.5',
    ]) {
      expect(policyAllows(o, CONNECT_SOURCES, PAGE), o).toBe(false);
    }
    expect(CONTENT_SECURITY_POLICY).toMatch(/connect-src 'self' https:\/\/huggingface\.co /);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/ https: /);
  });

  it('a build can add sources; anything that is not a source stops the build', () => {
    expect(extraConnectSources(' https://hf-mirror.com  https: ')).toEqual(['https://hf-mirror.com', 'https:']);
    expect(() => extraConnectSources("https://ok.example; script-src 'unsafe-inline'")).toThrow(/is not a connect-src source/);
    expect(() => extraConnectSources('*')).toThrow(/"\*"/);
  });

  it('matches scheme, host wildcard and port like the browser', () => {
    expect(sourceMatches('https:', 'https://any.example', null)).toBe(true);
    expect(sourceMatches('https://*.hf.co', 'https://hf.co', null)).toBe(false);
    expect(sourceMatches('https://*.hf.co', 'https://a.b.hf.co', null)).toBe(true);
    expect(sourceMatches('http://localhost:*', 'http://localhost:5173', null)).toBe(true);
    expect(sourceMatches('https://huggingface.co', 'https://huggingface.co:8443', null)).toBe(false);
    expect(sourceMatches("'self'", PAGE, PAGE)).toBe(true);
    expect(policyAllows('https://models.example', null)).toBe(true); // no policy: the dev server
  });
});
