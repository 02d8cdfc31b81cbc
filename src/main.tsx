import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { openShareLink } from './state/actions/presets';
import { boot, tourStepFromHash } from './state/boot';
import { App } from './ui/App';
import { goToTourStep } from './ui/tour/tourActions';
import './ui/styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

void boot({
  location: window.location,
  prefersLight: window.matchMedia?.('(prefers-color-scheme: light)').matches,
  startTour: (step) => void goToTourStep(step),
});

if (import.meta.env.DEV) {
  // a handle for debugging in the dev server only (not in production builds)
  void Promise.all([import('./state/store'), import('./state/engine'), import('./state/storage')]).then(([store, engine, storage]) => {
    (window as unknown as Record<string, unknown>).__lab = { store: store.lab, getEngine: engine.getEngine, getStorage: storage.getStorage };
  });
}

window.addEventListener('hashchange', () => {
  const step = tourStepFromHash(window.location.hash);
  if (step !== null) void goToTourStep(step);
  else void openShareLink(window.location.hash);
});
