/**
 * The page's engine: one EngineClient (worker) created on first use. Tests install a fake with
 * `setEngine`. Imports only the client so the page bundle never pulls in the engine itself.
 */
import type { EngineApi } from '../engine/api';
import { EngineClient } from '../engine/client';
import { EngineError } from '../engine/errors';
import type { UiError } from './types';

export interface LabEngine extends EngineApi {
  /** Reserves an id for a cancellable stream. */
  nextStreamId(): string;
}

let current: LabEngine | null = null;
let crashListener: ((e: UiError) => void) | null = null;

export function getEngine(): LabEngine {
  if (!current) {
    const client = EngineClient.create();
    client.onCrash = (e) => {
      current = null;
      crashListener?.({ message: e.message, hint: e.hint });
    };
    current = client;
  }
  return current;
}

export function setEngine(e: LabEngine | null): void {
  current = e;
}

export function onEngineCrash(listener: (e: UiError) => void): void {
  crashListener = listener;
}

let streamCounter = 0;
/** A stream id for engines without their own (fakes). */
export function streamId(engine: LabEngine): string {
  return engine.nextStreamId ? engine.nextStreamId() : `s${++streamCounter}`;
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
