/**
 * A worker for Node tests: the real handler over a real Engine, behind the WorkerLike interface the
 * EngineClient speaks to. Messages are delivered in order and at once (in Node the engine does not
 * yield between steps, so a message queued for later would only land after the call): a cancel
 * sent from an event callback reaches the engine before its next step, as it does in a browser
 * worker, where the engine awaits the GPU between steps.
 * `crashAtStep` makes the "worker" die (its onerror fires) as it posts that generation step, the
 * way an out-of-memory or a runtime abort ends a real worker in the middle of a call.
 */
import type { EngineApi } from '../api';
import type { WorkerLike } from '../client';
import { createHandler, type Handler } from '../handler';
import type { Request, Response } from '../protocol';

export interface InProcessWorker extends WorkerLike {
  handler: Handler;
  /** Every request the client sent, in order. */
  sent: Request[];
  terminated: boolean;
  /** Die when the generation posts this step (once); null = never. */
  crashAtStep: number | null;
}

export function inProcessWorker(engine: EngineApi): InProcessWorker {
  const die = (message: string) => {
    if (w.terminated) return;
    w.onerror?.({ message } as ErrorEvent);
  };
  const post = (r: Response) => {
    if (w.terminated) return;
    if (r.kind === 'event' && r.event.step === w.crashAtStep) {
      w.crashAtStep = null;
      die('Uncaught RuntimeError: memory access out of bounds (simulated)');
      return;
    }
    w.onmessage?.({ data: r } as MessageEvent);
  };
  const handler = createHandler(engine, post, {
    crash: () => setTimeout(() => die('Uncaught Error: simulated engine crash')),
    loseDevice: async () => {},
  });
  const w: InProcessWorker = {
    handler,
    sent: [],
    terminated: false,
    crashAtStep: null,
    onmessage: null,
    onerror: null,
    postMessage(message) {
      w.sent.push(message as Request);
      if (!w.terminated) void handler(message as Request);
    },
    terminate() {
      w.terminated = true;
      // a dead thread computes nothing more: stop what the engine was running
      for (const id of handler.running()) void handler({ id: -1, type: 'cancel', payload: { id } });
    },
  };
  return w;
}
