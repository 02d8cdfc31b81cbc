import { useEffect, type ComponentType } from 'react';
import { setTab, setTheme } from '../state/actions/ui';
import { setLab, useLab } from '../state/store';
import type { Tab } from '../state/types';
import { ChatPanel } from './chat/ChatPanel';
import { ModelPanel } from './model/ModelPanel';
import { MonitorPanel } from './monitor/MonitorPanel';
import { PresetsPanel } from './presets/PresetsPanel';
import { ScreenPanel } from './screen/ScreenPanel';
import { StatusBar } from './StatusBar';
import { scrollToPanel, sectionId, Tabs, TABS } from './Tabs';
import { TourCard } from './tour/TourCard';
import { startTour } from './tour/tourActions';
import { TraitsPanel } from './traits/TraitsPanel';
import { ShareNotice } from './presets/ShareNotice';
import { ErrorAlert } from './common/ErrorAlert';
import { PanelBoundary } from './common/PanelBoundary';
import { PANEL_RESETS } from '../state/actions/panelReset';
import { HostConsent } from './model/HostConsent';

const PANELS: Record<Tab, ComponentType> = {
  model: ModelPanel,
  chat: ChatPanel,
  traits: TraitsPanel,
  monitor: MonitorPanel,
  screen: ScreenPanel,
  presets: PresetsPanel,
};

/**
 * The lab is one page of panels, like a notebook: every control is always there (keyboard and
 * screen-reader users, and tests, never depend on which tab is open); the nav jumps between them.
 */
export function App() {
  const tab = useLab((s) => s.tab);
  const theme = useLab((s) => s.theme);
  const tourOpen = useLab((s) => s.tourStep !== null);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  useEffect(() => {
    // a programmatic jump (tour step, opened link) scrolls to its panel without stealing focus
    if (tab !== 'model') scrollToPanel(tab, false);
  }, [tab]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const n = Number(e.key);
      if (n >= 1 && n <= TABS.length) {
        e.preventDefault();
        setTab(TABS[n - 1].id);
        scrollToPanel(TABS[n - 1].id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div className="app">
      <a
        href="#main"
        className="skip"
        onClick={(e) => {
          e.preventDefault();
          scrollToPanel('chat');
        }}
      >
        Skip to the chat
      </a>
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            ◐
          </span>
          <h1>Persona Lab</h1>
        </div>
        <Tabs />
        <div className="topbar-right">
          <StatusBar />
          <button type="button" className="ghost" onClick={() => startTour(0)} aria-pressed={tourOpen}>
            Tour
          </button>
          <button
            type="button"
            className="ghost icon"
            aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
            onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
          >
            {theme === 'dark' ? '☀' : '☾'}
          </button>
        </div>
      </header>
      <main id="main">
        <PanelBoundary label="Notices" resetWhat="dismisses the notices" onReset={dismissNotices}>
          <HostConsent />
          <ShareNotice />
          <StorageNotice />
        </PanelBoundary>
        {TABS.map(({ id, label }) => {
          const Panel = PANELS[id];
          return (
            <div key={id} id={sectionId(id)} className="panel" data-panel={id}>
              <h2 className="panel-title" tabIndex={-1}>
                {label}
              </h2>
              <PanelBoundary label={label} resetWhat={PANEL_RESETS[id].what} onReset={PANEL_RESETS[id].reset}>
                <Panel />
              </PanelBoundary>
            </div>
          );
        })}
      </main>
      {tourOpen && (
        <PanelBoundary label="Tour" resetWhat="closes the tour" onReset={() => setLab({ tourStep: null })}>
          <TourCard />
        </PanelBoundary>
      )}
      <footer className="foot muted small-text">Everything runs in this tab: the model, the maths and your data never leave it.</footer>
    </div>
  );
}

function dismissNotices(): void {
  setLab({ shareNotice: null, alphaNote: null, storageNote: null });
}

/** Shown once when saved work can only be kept in memory (IndexedDB unavailable or full). */
function StorageNotice() {
  const note = useLab((s) => s.storageNote);
  return <ErrorAlert error={note} />;
}
