import { useLab } from '../state/store';

/** The lab's status line (role="status"): model, backend, what is running. */
export function StatusBar() {
  const loadState = useLab((s) => s.loadState);
  const info = useLab((s) => s.info);
  const id = useLab((s) => s.loadedId);
  const generating = useLab((s) => s.generating);
  const extraction = useLab((s) => s.extraction);
  const engineNote = useLab((s) => s.engineNote);
  let text: string;
  if (loadState === 'ready' && info) {
    const backend = info.backend === 'webgpu' ? 'WebGPU' : 'WASM';
    // the engine's own id of what is loaded: a lab file or link may have changed loadedId since
    text = `${info.id} on ${backend}${info.backendNote ? ` (${info.backendNote})` : ''}`;
  } else if (loadState === 'loading') text = `Loading ${id ?? 'model'}…`;
  else if (loadState === 'error') text = 'Model failed to load';
  else text = 'No model loaded';
  const busy = extraction ? ` · extracting ${extraction.trait}` : generating ? ' · generating' : '';
  return (
    <div role="status" className={`status status-${loadState}`} aria-live="polite">
      <span className="dot" aria-hidden="true" />
      <span>
        {text}
        {busy}
      </span>
      {engineNote && <span className="muted"> · {engineNote}</span>}
    </div>
  );
}
