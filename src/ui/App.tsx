import { useEffect } from 'react';
import { setTab, setTheme } from '../state/actions/ui';
import { useLab } from '../state/store';
import { ChatPanel } from './chat/ChatPanel';
import { ModelPanel } from './model/ModelPanel';
import { MonitorPanel } from './monitor/MonitorPanel';
import { PresetsPanel } from './presets/PresetsPanel';
import { ScreenPanel } from './screen/ScreenPanel';
import { StatusBar } from './StatusBar';
import { Tabs, TABS } from './Tabs';
import { TourCard } from './tour/TourCard';
import { startTour } from './tour/tourActions';
import { TraitsPanel } from './traits/TraitsPanel';

const PANELS = { model: ModelPanel, traits: TraitsPanel, chat: ChatPanel, monitor: MonitorPanel, screen: ScreenPanel, presets: PresetsPanel };

export function App() {
  const tab = useLab((s) => s.tab);
  const theme = useLab((s) => s.theme);
  const tourOpen = useLab((s) => s.tourStep !== null);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const n = Number(e.key);
      if (n >= 1 && n <= TABS.length) {
        e.preventDefault();
        setTab(TABS[n - 1].id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const Panel = PANELS[tab];
  return (
    <div className="app">
      <a href="#main" className="skip">Skip to panel</a>
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden="true">◐</span>
          <h1>Persona Lab</h1>
        </div>
        <Tabs />
        <div className="topbar-right">
          <StatusBar />
          <button type="button" className="ghost" onClick={() => startTour(0)} aria-pressed={tourOpen}>Tour</button>
          <button type="button" className="ghost icon" aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`} onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}>
            {theme === 'dark' ? '☀' : '☾'}
          </button>
        </div>
      </header>
      <main id="main" role="tabpanel" aria-labelledby={`tab-${tab}`} tabIndex={-1}>
        <Panel />
      </main>
      {tourOpen && <TourCard />}
      <footer className="foot muted small-text">Everything runs in this tab: the model, the maths and your data never leave it.</footer>
    </div>
  );
}
