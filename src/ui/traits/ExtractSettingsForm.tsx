import { READOUTS } from '../../persona/personaVector';
import { setLab, useLab } from '../../state/store';
import type { ExtractSettings } from '../../state/vectorsSlice';
import { READOUT_HELP } from './readoutText';
import { ExtractJudgeSelect } from '../judge/ExtractJudgeSelect';

/** Counts for an extraction run (the paper uses far more; a browser run stays small) and the readout the vector is made from. */
export function ExtractSettingsForm() {
  const s = useLab((st) => st.extractSettings);
  const set = (patch: Partial<ExtractSettings>) => setLab((st) => ({ extractSettings: { ...st.extractSettings, ...patch } }));
  const int = (v: string, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.floor(Number(v) || lo)));
  return (
    <div className="row wrap">
      <label className="field inline">
        <span>Questions</span>
        <input type="number" aria-label="Questions" min={1} max={100} value={s.questions} onChange={(e) => set({ questions: int(e.target.value, 1, 100) })} />
      </label>
      <label className="field inline">
        <span>Instruction pairs</span>
        <input type="number" aria-label="Instruction pairs" min={1} max={20} value={s.pairs} onChange={(e) => set({ pairs: int(e.target.value, 1, 20) })} />
      </label>
      <label className="field inline">
        <span>Samples</span>
        <input type="number" aria-label="Samples" min={1} max={10} value={s.samples} onChange={(e) => set({ samples: int(e.target.value, 1, 10) })} />
      </label>
      <label className="field inline">
        <span>Response tokens</span>
        <input
          type="number"
          aria-label="Response tokens"
          min={4}
          max={256}
          value={s.maxNewTokens}
          onChange={(e) => set({ maxNewTokens: int(e.target.value, 4, 256) })}
        />
      </label>
      <label className="inline small-text">
        <input type="checkbox" checked={s.filter} onChange={(e) => set({ filter: e.target.checked })} /> judge filter
      </label>
      <ExtractJudgeSelect />
      <fieldset className="stack small-text" style={{ flexBasis: '100%' }}>
        <legend>Readout</legend>
        {READOUTS.map((r) => (
          <label key={r} className="inline">
            <input type="radio" name="extract-readout" value={r} checked={s.readout === r} onChange={() => set({ readout: r })} />
            <span>
              <span className="mono">{r}</span> <span className="muted">— {READOUT_HELP[r]}</span>
            </span>
          </label>
        ))}
      </fieldset>
    </div>
  );
}
