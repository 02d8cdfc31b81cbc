import { useState } from 'react';
import { MAX_LAB_FILE_BYTES } from '../../persona/limits';
import { exportCurrentLab, importIntoCurrentLab, labFileSizeProblem } from '../../state/labArchive';
import type { UiError } from '../../state/types';
import { downloadText } from '../common/download';
import { FilePicker } from '../common/FilePicker';
import { Section } from '../common/Section';

/** "Export lab" / "Import lab": everything in one file (src/state/labArchive.ts). */
export function LabArchivePanel() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const run = async (f: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      await f();
    } catch (e) {
      setError({
        message: `the lab could not be exported: ${(e as Error)?.message ?? e}`,
        hint: 'Try again; if storage is unavailable, the lab in memory is still exported.',
      });
    } finally {
      setBusy(false);
    }
  };
  const exportAll = () =>
    run(async () => {
      const text = await exportCurrentLab();
      downloadText(`persona-lab-${new Date().toISOString().slice(0, 10)}.json`, text);
      setDone(`Exported the lab (${(text.length / 1024).toFixed(0)} KiB).`);
    });
  const importAll = (text: string) =>
    run(async () => {
      const r = await importIntoCurrentLab(text);
      if (!r.ok) setError({ message: `could not import the lab: ${r.error}`, hint: r.hint });
      else
        setDone(
          `Imported ${r.value.traits} trait sets, ${r.value.vectors} vectors, ${r.value.presets} presets and ${r.value.records} pipeline records.${r.value.renamed.length ? ` Kept beside saved items with the same name and other content: ${r.value.renamed.join(', ')}.` : ''}`,
        );
    });
  // refused by its size before it is read: reading and parsing hundreds of MB stalls the tab
  const refuseLarge = (f: File) => {
    const tooBig = labFileSizeProblem(f.size);
    if (!tooBig) return;
    setDone(null);
    setError({ message: `could not import the lab: ${tooBig.error}`, hint: tooBig.hint });
  };
  return (
    <Section
      title="Whole lab"
      id="lab-archive"
      actions={
        <>
          <button type="button" className="small" disabled={busy} onClick={() => void exportAll()}>
            Export lab
          </button>
          <FilePicker
            className="small"
            disabled={busy}
            accept=".json,application/json"
            inputLabel="Import lab file"
            maxBytes={MAX_LAB_FILE_BYTES}
            onTooLarge={refuseLarge}
            onFile={async (f) => importAll(await f.text())}
          >
            Import lab…
          </FilePicker>
        </>
      }
    >
      <p className="muted small-text">
        One file with your trait sets, vectors, presets, pipeline results (responses, scores, activation means), sliders and settings — never an API key.
        Importing keeps everything already here: an item whose name is taken by one with other content is added as "name (from file)". Files over 50 MB are
        refused.
      </p>
      {error && (
        <div role="alert" className="alert">
          <div>
            <strong>{error.message}</strong>
            {error.hint && <div className="hint">{error.hint}</div>}
          </div>
        </div>
      )}
      {done && (
        <p role="status" className="notice">
          {done}
        </p>
      )}
    </Section>
  );
}
