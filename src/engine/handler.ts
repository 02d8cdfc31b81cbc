/** Dispatches protocol requests to an engine and posts responses back. Tested by feeding it messages. */
import type { EngineApi } from './api';
import { EngineError } from './errors';
import type { VariantLister } from './api';
import type { Request, Response } from './protocol';

export interface FaultHooks {
  crash(): void;
  loseDevice(): Promise<void>;
}

export interface Handler {
  (req: Request): Promise<void>;
  /** Ids of the load/generate/capture requests still running (each holds an AbortController until it answers). */
  running(): number[];
}

export function createHandler(engine: EngineApi, post: (r: Response, transfer?: Transferable[]) => void, faults?: FaultHooks): Handler {
  // One controller per running cancellable request; removed when the request answers, so a cancel
  // that arrives late (or for an id that never ran) finds nothing and does nothing.
  const running = new Map<number, AbortController>();
  const cancellable = (id: number): AbortSignal => {
    const controller = new AbortController();
    running.set(id, controller);
    return controller.signal;
  };
  const handle = async (req: Request): Promise<void> => {
    try {
      let result: unknown;
      switch (req.type) {
        case 'load':
          result = await engine.load(req.payload, (progress) => post({ id: req.id, kind: 'progress', progress }), { signal: cancellable(req.id) });
          break;
        case 'unload':
          result = await engine.unload();
          break;
        case 'variants':
          if (!('listVariants' in engine)) throw new EngineError('bad_input', 'this engine cannot list variants');
          result = await (engine as EngineApi & VariantLister).listVariants(req.payload);
          break;
        case 'tokenize':
          result = await engine.tokenize(req.payload);
          break;
        case 'capture': {
          const capture = await engine.capture(req.payload, { signal: cancellable(req.id) });
          post(
            { id: req.id, kind: 'result', result: capture },
            capture.rows.flatMap((r) => [r.resid.buffer, ...(r.logits ? [r.logits.buffer] : [])]) as Transferable[],
          );
          return;
        }
        case 'generate':
          result = await engine.generate(req.payload, (event) => post({ id: req.id, kind: 'event', event }), { signal: cancellable(req.id) });
          break;
        case 'cancel':
          running.get(req.payload.id)?.abort();
          break;
        case 'debug':
          if (!faults) throw new EngineError('bad_input', 'fault injection is not available here');
          if (req.payload.action === 'crash') faults.crash();
          else await faults.loseDevice();
          break;
        default: {
          const unknown: never = req;
          throw new EngineError('bad_input', `unknown request ${JSON.stringify(unknown)}`);
        }
      }
      post({ id: req.id, kind: 'result', result });
    } catch (e) {
      post({ id: req.id, kind: 'error', error: EngineError.from(e).toData() });
    } finally {
      running.delete(req.id);
    }
  };
  return Object.assign(handle, { running: () => [...running.keys()] });
}
