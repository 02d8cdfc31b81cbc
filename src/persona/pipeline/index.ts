/**
 * The persona-vectors pipeline on an engine (docs/ARCHITECTURE.md §4): resumable, cancellable steps that take
 * an EngineApi and a storage, plus monitoring and dataset screening on the engine.
 */
export * from './types';
export * from './progress';
export * from './engineCalls';
export * from './rollouts';
export * from './judges';
export * from './openaiJudge';
export * from './openaiEndpoint';
export * from './endpointCheck';
export * from './scoring';
export * from './activations';
export * from './steer';
export * from './specificity';
export * from './layerChoice';
export * from './labSweep';
export * from './run';
export * from './monitor';
export * from './screenDataset';
