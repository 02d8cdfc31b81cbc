/**
 * The production build's connect-src (vite.config.ts CONNECT_SOURCES, handed over as a build-time
 * constant) and whether it lets the page reach an origin. The consent card uses it to say, before
 * the user allows a host, that this copy of the lab would be blocked from reaching it anyway. The
 * dev server, tests and Node have no policy (null): everything passes.
 */
declare const __PERSONA_LAB_CONNECT_SRC__: readonly string[] | null | undefined;

export function buildConnectSources(): readonly string[] | null {
  return typeof __PERSONA_LAB_CONNECT_SRC__ === 'undefined' ? null : __PERSONA_LAB_CONNECT_SRC__;
}

const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443' };
const SOURCE = /^(https?:)\/\/(\*\.)?([^:/]+)(?::(\d+|\*))?$/i;

/** Whether one CSP source expression (`'self'`, `https:`, `https://*.hf.co`, `http://localhost:*`) matches `origin`. */
export function sourceMatches(source: string, origin: string, self: string | null): boolean {
  if (source === "'self'") return origin === self;
  const url = new URL(origin);
  if (/^https?:$/i.test(source)) return url.protocol === source.toLowerCase();
  const m = SOURCE.exec(source);
  if (!m || url.protocol !== m[1].toLowerCase()) return false;
  const host = m[3].toLowerCase();
  const hostOk = m[2] ? url.hostname.endsWith(`.${host}`) : url.hostname === host;
  const port = url.port || DEFAULT_PORT[url.protocol];
  return hostOk && (m[4] === '*' || port === (m[4] ?? DEFAULT_PORT[url.protocol]));
}

/** Whether the page's policy lets it reach `origin` (always true without a policy). */
export function policyAllows(
  origin: string,
  sources = buildConnectSources(),
  self: string | null = typeof location === 'undefined' ? null : location.origin,
): boolean {
  return sources === null || sources.some((s) => sourceMatches(s, origin, self));
}
