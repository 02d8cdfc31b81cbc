/** Curated Hub models that the lab's instrumentation handles (sizes for the variant the lab picks). */
export interface CatalogModel {
  id: string;
  label: string;
  size: string;
  note: string;
}

export const MODEL_CATALOG: CatalogModel[] = [
  { id: 'demo', label: 'Persona demo (bundled, 4 layers × 128)', size: '4.6 MB', note: 'Tiny Llama trained on a synthetic corpus with four traits; decomposed export (Add chain). Loads instantly, no download.' },
  { id: 'onnx-community/SmolLM2-135M-Instruct-ONNX', label: 'SmolLM2-135M-Instruct', size: '≈ 120–270 MB', note: 'Fused export (onnxruntime-genai builder: SkipSimplifiedLayerNormalization); 30 layers × 576.' },
  { id: 'onnx-community/SmolLM2-360M-Instruct-ONNX', label: 'SmolLM2-360M-Instruct', size: '≈ 270–720 MB', note: 'Fused export; 32 layers × 960.' },
  { id: 'onnx-community/Qwen2.5-0.5B-Instruct', label: 'Qwen2.5-0.5B-Instruct', size: '≈ 480 MB–1 GB', note: 'Decomposed export (optimum / torch.onnx: residual Add chain); 24 layers × 896.' },
  { id: 'onnx-community/Qwen3-0.6B-ONNX', label: 'Qwen3-0.6B', size: '≈ 560 MB–1.2 GB', note: 'Fused export; 28 layers × 1024; thinking model (chat template adds think tags).' },
  { id: 'onnx-community/Llama-3.2-1B-Instruct-ONNX', label: 'Llama-3.2-1B-Instruct', size: '≈ 1–2.5 GB', note: 'Fused export; 16 layers × 2048. Needs WebGPU to be pleasant.' },
  { id: 'onnx-community/gemma-3-270m-it-ONNX', label: 'gemma-3-270m-it', size: '≈ 270–570 MB', note: 'Fused export; keeps the residual in float32 even in fp16 variants; 18 layers × 640.' },
];
