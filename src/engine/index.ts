/** The engine's public surface for the UI and the CLI. */
export * from './api';
export { EngineClient } from './client';
export { Engine, modelInfo, type EngineSettings } from './engine';
export { EngineError, type EngineErrorCode, type EngineErrorData } from './errors';
export { parseSourceText, sourceId, DEMO_MODEL_ID } from './modelSource';
export { GREEDY } from './sampling';
