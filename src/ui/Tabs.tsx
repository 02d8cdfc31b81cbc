import { useRef } from 'react';
import { setTab } from '../state/actions/ui';
import { useLab } from '../state/store';
import type { Tab } from '../state/types';

export const TABS: { id: Tab; label: string }[] = [
  { id: 'model', label: 'Model' },
  { id: 'traits', label: 'Traits' },
  { id: 'chat', label: 'Chat & steer' },
  { id: 'monitor', label: 'Monitor' },
  { id: 'screen', label: 'Screen data' },
  { id: 'presets', label: 'Presets' },
];

/** The panel tabs: arrow keys move between them, Alt+1…6 from anywhere (see App). */
export function Tabs() {
  const tab = useLab((s) => s.tab);
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  return (
    <nav className="tabs" role="tablist" aria-label="Panels">
      {TABS.map((t, i) => (
        <button
          key={t.id}
          ref={(el) => {
            refs.current[i] = el;
          }}
          role="tab"
          id={`tab-${t.id}`}
          aria-selected={tab === t.id}
          aria-controls={`panel-${t.id}`}
          tabIndex={tab === t.id ? 0 : -1}
          title={`${t.label} (Alt+${i + 1})`}
          onClick={() => setTab(t.id)}
          onKeyDown={(e) => {
            const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
            if (!d) return;
            e.preventDefault();
            const j = (i + d + TABS.length) % TABS.length;
            setTab(TABS[j].id);
            refs.current[j]?.focus();
          }}
        >
          {t.label}
        </button>
      ))}
    </nav>
  );
}
