import { useState } from 'react';
import { MAX_TRAIT_FILE_BYTES } from '../../persona/limits';
import { importTraitsJson, newTrait, refuseLargeTraitFile, selectTrait } from '../../state/actions/traits';
import { useLab } from '../../state/store';
import { FilePicker } from '../common/FilePicker';
import { Section } from '../common/Section';
import { TraitDetail } from './TraitDetail';
import { TraitGenerator } from './TraitGenerator';

const GROUPS = [
  ['user', 'Your traits'],
  ['demo', 'Demo model traits'],
  ['builtin', "Built-in (the paper's seven)"],
] as const;

/** The trait library (built-ins, the demo model's traits, your own) and the selected trait. */
export function TraitsPanel() {
  const traits = useLab((s) => s.traits);
  const selected = useLab((s) => s.selectedTrait);
  const vectors = useLab((s) => s.vectors);
  const [generating, setGenerating] = useState(false);
  const ordered = GROUPS.flatMap(([o]) => traits.filter((t) => t.origin === o));
  const current = traits.find((t) => t.set.name === selected) ?? ordered[0];
  return (
    <div className="two-col">
      <Section
        title="Trait library"
        id="library"
        actions={
          <>
            <button type="button" className="small" onClick={() => newTrait()}>
              New
            </button>
            <button type="button" className="small" aria-expanded={generating} onClick={() => setGenerating((g) => !g)}>
              From description…
            </button>
            <FilePicker
              className="small"
              accept=".json,application/json"
              inputLabel="Import trait JSON"
              maxBytes={MAX_TRAIT_FILE_BYTES}
              onTooLarge={(f) => refuseLargeTraitFile(f.size, f.name)}
              onFile={async (f) => importTraitsJson(await f.text(), f.name)}
            >
              Import…
            </FilePicker>
          </>
        }
      >
        {generating && <TraitGenerator onClose={() => setGenerating(false)} />}
        <ul className="list" aria-label="Traits">
          {GROUPS.map(([origin, heading]) => {
            const items = traits.filter((t) => t.origin === origin);
            if (!items.length) return null;
            return [
              <li key={`h-${origin}`} className="list-group muted small-text" aria-hidden="true">
                {heading}
              </li>,
              ...items.map((t) => (
                <li key={t.set.name}>
                  <button type="button" className="list-item" aria-current={current?.set.name === t.set.name} onClick={() => selectTrait(t.set.name)}>
                    <span>{t.set.name}</span>
                    {vectors[t.set.name] && (
                      <span className="badge accent" title="has a persona vector">
                        vector
                      </span>
                    )}
                    <span className="badge">{origin === 'demo' ? 'demo model' : origin === 'user' ? 'yours' : 'built-in'}</span>
                  </button>
                </li>
              )),
            ];
          })}
        </ul>
        <p className="muted small-text">
          Demo-model traits are the ones the bundled model was trained to show; built-ins are the paper's seven traits, for real Hub models.
        </p>
      </Section>
      {current ? <TraitDetail key={current.set.name} entry={current} /> : <p className="muted">No traits. Create one with New.</p>}
    </div>
  );
}
