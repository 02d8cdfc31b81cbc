import { useLab } from '../../state/store';
import { Section } from '../common/Section';

/** Facts of the loaded model: backend, layers, width, export style, hook points. */
export function ModelFacts() {
  const info = useLab((s) => s.info);
  const id = useLab((s) => s.loadedId);
  if (!info) return null;
  return (
    <Section title="Loaded model" id="facts">
      <dl className="facts">
        <dt>Model</dt>
        <dd>{id}</dd>
        <dt>Backend</dt>
        <dd>
          {info.backend === 'webgpu' ? 'WebGPU' : 'WASM'}
          {info.backendNote ? ` — ${info.backendNote}` : ''}
        </dd>
        <dt>Architecture</dt>
        <dd>
          {info.modelType}, file {info.variant}
        </dd>
        <dt>Layers</dt>
        <dd>{info.numLayers} decoder blocks</dd>
        <dt>Width</dt>
        <dd>
          {info.hiddenSize} (residual {info.residualDtype})
        </dd>
        <dt>Export style</dt>
        <dd>{info.exportStyle === 'fused' ? 'fused (SkipSimplifiedLayerNormalization)' : 'decomposed (residual Add chain)'}</dd>
        <dt>Vocabulary</dt>
        <dd>
          {info.vocabSize} tokens, context {info.maxPositions}
        </dd>
        <dt>Chat template</dt>
        <dd>{info.hasChatTemplate ? 'yes' : 'no (plain text prompts)'}</dd>
      </dl>
      <details>
        <summary>{info.hookPoints.length} hook points</summary>
        <p className="mono small-text wrap-anywhere">{info.hookPoints.join(' · ')}</p>
      </details>
    </Section>
  );
}
