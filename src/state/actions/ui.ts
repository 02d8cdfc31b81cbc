/** UI actions: tab, theme. */
import { setLab } from '../store';
import type { Tab, Theme } from '../types';

export function setTab(tab: Tab): void {
  setLab({ tab });
}

export function setTheme(theme: Theme): void {
  setLab({ theme });
}
