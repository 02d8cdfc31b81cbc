/** Share links and preset files: encode/decode with validation (never throws on bad input). */
export * from './codec';
export * from './presetFile';
export { PRESET_LIMITS } from './schema';
export type { Quant } from './quantize';
