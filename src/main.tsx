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

window.addEventListener('hashchange', () => {
  const step = tourStepFromHash(window.location.hash);
  if (step !== null) void goToTourStep(step);
  else void openShareLink(window.location.hash);
});
