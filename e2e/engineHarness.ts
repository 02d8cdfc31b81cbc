/** Browser-test harness: the real worker engine, reachable from Playwright as window.engine. */
import { EngineClient } from '../src/engine/client';

declare global {
  interface Window {
    engine: EngineClient;
    engineReady: boolean;
  }
}

window.engine = EngineClient.create();
window.engineReady = true;
