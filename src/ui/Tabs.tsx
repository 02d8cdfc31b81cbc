import { useEffect, useState } from 'react';
import { setTab } from '../state/actions/ui';
import type { Tab } from '../state/types';

export const TABS: { id: Tab; label: string }[] = [
  { id: 'model', label: 'Model' },
  { id: 'chat', label: 'Chat & steer' },
  { id: 'traits', label: 'Traits' },
  { id: 'monitor', label: 'Monitor' },
  { id: 'screen', label: 'Screen data' },
  { id: 'presets', label: 'Presets' },
];

export function sectionId(tab: Tab): string {
  return `panel-${tab}`;
}

/** Scrolls a panel into view and moves focus to its heading (keyboard users land there). */
export function scrollToPanel(tab: Tab, focus = true): void {
  const el = document.getElementById(sectionId(tab));
  if (!el) return;
  const reduce = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
  el.scrollIntoView?.({ behavior: reduce ? 'auto' : 'smooth', block: 'start' });
  if (focus) el.querySelector<HTMLElement>('.panel-title')?.focus({ preventScroll: true });
}

/** Which panel is on screen (scroll-spy), for the nav's aria-current. */
function useVisiblePanel(): Tab {
  const [current, setCurrent] = useState<Tab>('model');
  useEffect(() => {
    if (typeof IntersectionObserver === 'undefined') return;
    const seen = new Map<string, number>();
    const io = new IntersectionObserver(
      (entries) => {
        for (const e of entries) seen.set(e.target.id, e.isIntersecting ? e.intersectionRatio : 0);
        const best = TABS.map((t) => [t.id, seen.get(sectionId(t.id)) ?? 0] as const).sort((a, b) => b[1] - a[1])[0];
        if (best && best[1] > 0) setCurrent(best[0]);
      },
      { threshold: [0, 0.1, 0.25, 0.5, 0.75, 1] },
    );
    for (const t of TABS) {
      const el = document.getElementById(sectionId(t.id));
      if (el) io.observe(el);
    }
    return () => io.disconnect();
  }, []);
  return current;
}

/** The lab's section navigation: every panel lives on one page; this jumps between them (Alt+1…6 too). */
export function Tabs() {
  const current = useVisiblePanel();
  return (
    <nav className="tabs" aria-label="Panels">
      {TABS.map((t, i) => (
        <button
          key={t.id}
          type="button"
          className="tab"
          aria-current={current === t.id ? 'true' : undefined}
          title={`${t.label} (Alt+${i + 1})`}
          onClick={() => {
            setTab(t.id);
            scrollToPanel(t.id);
          }}
        >
          {t.label}
        </button>
      ))}
    </nav>
  );
}
