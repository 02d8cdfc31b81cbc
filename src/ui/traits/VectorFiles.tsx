import { useEffect, useRef, useState } from 'react';
import { VECTOR_FORMATS, type VectorFormat } from '../../persona/convert';
import { FORMAT_LABELS, type LayerScope } from '../../persona/vectorDownload';
import { buildVectorDownload, importVectorForTrait, setVectorFileError } from '../../state/actions/vectorFiles';
import { useLab } from '../../state/store';
import { downloadFile } from '../common/download';
import { ErrorAlert } from '../common/ErrorAlert';

/** "Download vector" in a chosen format and "Import vector" (file picker) for one trait. */
export function VectorFiles({ trait }: { trait: string }) {
  const vector = useLab((s) => s.vectors[trait]);
  const ready = useLab((s) => s.loadState === 'ready');
  const error = useLab((s) => s.vectorFileError);
  const [format, setFormat] = useState<VectorFormat>('safetensors');
  const [scope, setScope] = useState<LayerScope>('layer');
  const [busy, setBusy] = useState(false);
  const file = useRef<HTMLInputElement>(null);
  const scoped = format !== 'safetensors';
  useEffect(() => () => setVectorFileError(null), [trait]); // an error belongs to the trait it was shown on
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
        <button type="button" disabled={!ready || busy} title={ready ? undefined : 'Load a model first'} onClick={() => file.current?.click()}>
          Import vector
        </button>
        <input
          ref={file}
          type="file"
          accept=".safetensors,.gguf,.json,application/json,application/octet-stream"
          hidden
          aria-label="Vector file to import"
          onChange={async (e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (!f) return;
            setBusy(true);
            try {
              await importVectorForTrait(trait, new Uint8Array(await f.arrayBuffer()), f.name);
            } finally {
              setBusy(false);
            }
          }}
        />
      </div>
      {scoped && (
        <p className="muted small-text">
          {format === 'gguf'
            ? 'For llama.cpp: --control-vector-scaled FILE α (direction.N is added to the output of block N).'
            : 'For Neuronpedia steering: hook blocks.N.hook_resid_post, TransformerLens names.'}
        </p>
      )}
      <ErrorAlert error={error} onDismiss={() => setVectorFileError(null)} />
    </div>
  );
}
