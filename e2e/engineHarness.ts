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

/** The same engine behind the self-restarting wrapper the lab uses. */
import { ResilientEngine, type RestartNotice } from '../src/engine/resilientEngine';

declare global {
  interface Window {
    resilient: ResilientEngine;
    restartNotices: RestartNotice[];
  }
}

window.restartNotices = [];
window.resilient = new ResilientEngine(
  () => EngineClient.create(),
  (n) => window.restartNotices.push(n),
);
