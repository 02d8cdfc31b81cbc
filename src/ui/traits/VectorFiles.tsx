import { useEffect, useState } from 'react';
import { VECTOR_FORMATS, type VectorFormat } from '../../persona/convert';
import { FORMAT_LABELS, type LayerScope } from '../../persona/vectorDownload';
import { maxVectorFileBytes } from '../../persona/limits';
import { answerVectorReplace, buildVectorDownload, importVectorForTrait, refuseLargeVectorFile, setVectorFileError } from '../../state/actions/vectorFiles';
import { useLab } from '../../state/store';
import { downloadFile } from '../common/download';
import { ErrorAlert } from '../common/ErrorAlert';
import { FilePicker } from '../common/FilePicker';
import { ReplaceVectorQuestion } from './ReplaceVectorQuestion';

/** "Download vector" in a chosen format and "Import vector" (file picker) for one trait. */
export function VectorFiles({ trait }: { trait: string }) {
  const vector = useLab((s) => s.vectors[trait]);
  const ready = useLab((s) => s.loadState === 'ready');
  const error = useLab((s) => s.vectorFileError);
  const [format, setFormat] = useState<VectorFormat>('safetensors');
  const [scope, setScope] = useState<LayerScope>('layer');
  const info = useLab((s) => s.info);
  const pending = useLab((s) => s.vectorReplace);
  const [replacing, setReplacing] = useState(false);
  const maxBytes = info ? maxVectorFileBytes(info) : undefined;
  const scoped = format !== 'safetensors';
  // an error, or a file waiting for "Replace?", belongs to the trait it was shown on
  useEffect(
    () => () => {
      setVectorFileError(null);
      void answerVectorReplace(false);
    },
    [trait],
  );
  const answer = async (replace: boolean) => {
    setReplacing(true);
    try {
      await answerVectorReplace(replace);
    } finally {
      setReplacing(false);
    }
  };
  return (
    <div className="stack" role="group" aria-label="Vector file">
      <div className="row wrap">
        <label className="field inline">
          <span>Format</span>
          <select aria-label="Vector format" value={format} onChange={(e) => setFormat(e.target.value as VectorFormat)}>
            {VECTOR_FORMATS.map((f) => (
              <option key={f} value={f}>
                {FORMAT_LABELS[f]}
              </option>
            ))}
          </select>
        </label>
        {scoped && (
          <label className="field inline">
            <span>Layers</span>
            <select aria-label="Vector layers" value={scope} onChange={(e) => setScope(e.target.value as LayerScope)}>
              <option value="layer">chosen layer{vector ? ` (${vector.layer})` : ''}</option>
              <option value="all">all layers{format === 'gguf' ? ' (blocks ≥ 1)' : ''}</option>
            </select>
          </label>
        )}
        <button
          type="button"
          disabled={!vector}
          title={vector ? undefined : 'Extract or import a vector first'}
          onClick={() => {
            const d = buildVectorDownload(trait, format, scope);
            if (d) downloadFile(d.fileName, d.bytes, d.mime);
          }}
        >
          Download vector
        </button>
        <FilePicker
          disabled={!ready || replacing}
          title={ready ? undefined : 'Load a model first'}
          accept=".safetensors,.gguf,.json,application/json,application/octet-stream"
          inputLabel="Vector file to import"
          maxBytes={maxBytes}
          onTooLarge={(f) => refuseLargeVectorFile(f.name, f.size)}
          onFile={async (f) => importVectorForTrait(trait, new Uint8Array(await f.arrayBuffer()), f.name)}
        >
          Import vector
        </FilePicker>
      </div>
      {scoped && (
        <p className="muted small-text">
          {format === 'gguf'
            ? 'For llama.cpp: --control-vector-scaled FILE α (direction.N is added to the output of block N).'
            : 'For Neuronpedia steering: hook blocks.N.hook_resid_post, TransformerLens names.'}
        </p>
      )}
      {pending?.trait === trait && vector && <ReplaceVectorQuestion pending={pending} current={vector} busy={replacing} onAnswer={(r) => void answer(r)} />}
      <ErrorAlert error={error} onDismiss={() => setVectorFileError(null)} />
    </div>
  );
}
