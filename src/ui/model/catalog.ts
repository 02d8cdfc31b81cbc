/**
 * Curated Hub models. A note states only what this project checked: the family's structure is in the
 * conformance table (README, "Which exports are checked"); each repository's own files were not
 * downloaded or inspected here, so no note claims how a repository was exported. Sizes are rough
 * ranges across a repository's variants; layers × width are its config.json's.
 */
export interface CatalogModel {
  id: string;
  label: string;
  size: string;
  note: string;
  /** The conformance-table family whose checks back the note (src/engine/testing/conformanceCases.ts); none for the bundled demo. */
  family?: string;
}

const UNCHECKED = 'This repository’s own export was not checked here.';

export const MODEL_CATALOG: CatalogModel[] = [
  {
    id: 'demo',
    label: 'Persona demo (bundled, 4 layers × 128)',
    size: '4.6 MB',
    note: 'Tiny Llama trained on a synthetic corpus with four traits; its export is checked in npm test. Loads instantly, no download.',
  },
  {
    id: 'onnx-community/SmolLM2-135M-Instruct-ONNX',
    label: 'SmolLM2-135M-Instruct',
    size: '≈ 120–270 MB',
    family: 'Llama',
    note: `Llama architecture; 30 layers × 576. Llama exports (optimum layout fp32/q8/q4, builder fused and GQA graphs) pass the conformance checks. ${UNCHECKED}`,
  },
  {
    id: 'onnx-community/SmolLM2-360M-Instruct-ONNX',
    label: 'SmolLM2-360M-Instruct',
    size: '≈ 270–720 MB',
    family: 'Llama',
    note: `Llama architecture; 32 layers × 960. ${UNCHECKED}`,
  },
  {
    id: 'onnx-community/Qwen2.5-0.5B-Instruct',
    label: 'Qwen2.5-0.5B-Instruct',
    size: '≈ 480 MB–1 GB',
    family: 'Qwen2',
    note: `Qwen2 architecture (q/k/v bias), checked on an optimum-layout replica; 24 layers × 896. ${UNCHECKED}`,
  },
  {
    id: 'onnx-community/Qwen3-0.6B-ONNX',
    label: 'Qwen3-0.6B',
    size: '≈ 560 MB–1.2 GB',
    family: 'Qwen3',
    note: `Qwen3 architecture (q/k norms), checked on an optimum-layout replica; 28 layers × 1024; thinking model (chat template adds think tags). ${UNCHECKED}`,
  },
  {
    id: 'onnx-community/Llama-3.2-1B-Instruct-ONNX',
    label: 'Llama-3.2-1B-Instruct',
    size: '≈ 1–2.5 GB',
    family: 'Llama',
    note: `Llama architecture; 16 layers × 2048. Needs WebGPU to be pleasant. ${UNCHECKED}`,
  },
  {
    id: 'onnx-community/gemma-3-270m-it-ONNX',
    label: 'gemma-3-270m-it',
    size: '≈ 270–570 MB',
    family: 'Gemma 3',
    note: `Gemma 3 architecture (embedding scale, sandwich norms, tied head), checked on an optimum-layout replica; 18 layers × 640. ${UNCHECKED}`,
  },
];
