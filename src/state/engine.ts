/**
 * The page's engine: one ResilientEngine (a worker that restarts itself and reloads its model when
 * it dies or loses its device), created on first use. Tests install a fake with `setEngine`.
 * Imports only the client side so the page bundle never pulls in the engine itself.
 */
import type { EngineApi } from '../engine/api';
import { EngineClient } from '../engine/client';
import { EngineError } from '../engine/errors';
import { ResilientEngine, type RestartNotice } from '../engine/resilientEngine';
import type { UiError } from './types';

export type { RestartNotice };

/** What the lab needs of an engine: the API (the page's is a ResilientEngine; tests use fakes). */
export type LabEngine = EngineApi;

let current: LabEngine | null = null;
let restartListener: ((n: RestartNotice) => void) | null = null;

export function getEngine(): LabEngine {
  if (!current)
    current = new ResilientEngine(
      () => EngineClient.create(),
      (n) => restartListener?.(n),
    );
  return current;
}

export function setEngine(e: LabEngine | null): void {
  current = e;
}

/** Called when the engine's worker stopped and restarts ('restarting'), and when it is back ('restarted'). */
export function onEngineRestart(listener: (n: RestartNotice) => void): void {
  restartListener = listener;
}

/** Any thrown value as message + hint for role="alert". */
export function toUiError(e: unknown, fallbackHint?: string): UiError {
  if (e instanceof EngineError) return { message: e.message, hint: e.hint ?? fallbackHint };
  if (e instanceof Error) return { message: e.message, hint: (e as Error & { hint?: string }).hint ?? fallbackHint };
  return { message: String(e), hint: fallbackHint };
}

export function isCancelled(e: unknown): boolean {
  return e instanceof EngineError && e.code === 'cancelled';
}
