/** Persona maths and file formats: pure functions over plain arrays (docs/ARCHITECTURE.md §2–§4, §7). */
export * from './safetensors';
export * from './personaVector';
export * from './vectorFile';
export * from './ggufContainer';
export * from './gguf';
export * from './neuronpedia';
export * from './convert';
export * from './stats';
export * from './extract';
export * from './project';
export * from './layerStats';
export * from './judgeScore';
export * from './filter';
export * from './screen';
export * from './steering';
export * from './traitSet';
export * from './traits';
