import { useState } from 'react';
import type { VariantInfo, VariantListing } from '../../engine/api';
import { formatBytes as size } from '../../engine/variants';
import { listModelVariants, pickVariant, variantFor } from '../../state/actions/variants';
import { useLab } from '../../state/store';
import type { UiError } from '../../state/types';
import { ErrorAlert } from '../common/ErrorAlert';

/** Each file with its size: the graph's full path, then its data files by name. */
function files(v: VariantInfo): string {
  return v.files.map((f, i) => `${i === 0 ? f.path : f.path.slice(f.path.lastIndexOf('/') + 1)} (${size(f.bytes)})`).join(', ');
}

const BACKEND = { webgpu: 'WebGPU', wasm: 'WASM' } as const;

/**
 * The model's ONNX variants with each one's size before anything is downloaded, where it would
 * run, and why one cannot; the pick goes to the next load. "Automatic" leaves it to the engine.
 */
export function VariantPicker({ disabled }: { disabled: boolean }) {
  const modelText = useLab((s) => s.modelText);
  const choice = useLab((s) => variantFor(s));
  const [listing, setListing] = useState<{ model: string; data: VariantListing } | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  const [busy, setBusy] = useState(false);
  const shown = listing && listing.model === modelText.trim() ? listing.data : null;
  const show = async () => {
    setBusy(true);
    setError(null);
    const model = modelText.trim();
    const result = await listModelVariants();
    setBusy(false);
    if (result && 'variants' in result) setListing({ model, data: result });
    else if (result) setError(result);
  };
  return (
    <div className="stack">
      <div className="row wrap">
        <button type="button" disabled={disabled || busy} onClick={() => void show()}>
          {busy ? 'Listing variants…' : 'Show variants'}
        </button>
        <span className="muted small-text">
          {choice ? (
            <>
              Variant: <span className="mono">{choice}</span>
            </>
          ) : (
            'Variant: automatic'
          )}
        </span>
      </div>
      <ErrorAlert error={error} onDismiss={() => setError(null)} />
      {shown && (
        <fieldset className="stack small-text" aria-label="Variant">
          <legend>
            Variant ({shown.variants.length} in {shown.id}; sizes before download)
          </legend>
          <label className="inline">
            <input type="radio" name="model-variant" checked={!choice} onChange={() => pickVariant(null)} />
            <span>
              Automatic
              {shown.defaultVariant ? (
                <>
                  {' '}
                  — <span className="mono">{shown.defaultVariant}</span> on {BACKEND[shown.backend]}
                </>
              ) : (
                ' — none fits here'
              )}
            </span>
          </label>
          {shown.refusal && <p className="muted">{shown.refusal}</p>}
          {shown.variants.map((v) => (
            <label key={v.onnxPath} className="inline">
              <input type="radio" name="model-variant" value={v.name} checked={choice === v.name} onChange={() => pickVariant(v.name)} />
              <span>
                <span className="mono">{v.name}</span> · <span className="badge">{size(v.bytes)}</span>{' '}
                <span className="muted">
                  {files(v)}
                  {v.refusal ? '' : ` · runs on ${BACKEND[v.backend]}`}
                </span>
                {v.note && !v.refusal && <span className="muted"> ({v.note})</span>}
                {v.refusal && (
                  <span>
                    {' '}
                    — <strong>won't fit:</strong> {v.refusal}
                  </span>
                )}
              </span>
            </label>
          ))}
        </fieldset>
      )}
    </div>
  );
}
