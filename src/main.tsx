import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { boot } from './state/boot';
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

window.addEventListener('hashchange', () => {
  void import('./state/actions/presets').then(({ openShareLink }) => openShareLink(window.location.hash));
});
