import { Component, type ErrorInfo, type ReactNode } from 'react';
import { exportCurrentLab } from '../../state/labArchive';
import { downloadText } from './download';

interface Props {
  /** The panel's name as the lab shows it ("Chat & steer"). */
  label: string;
  /** What "Reset this panel" does, in words. */
  resetWhat: string;
  /** Clears the panel's own state (never saved traits, vectors or presets). */
  onReset: () => void;
  children: ReactNode;
}

interface State {
  error: Error | null;
  /** How many times the panel failed again right after a reset. */
  failures: number;
  exportNote: string | null;
}

/**
 * One panel that throws while rendering shows what failed, with "Export lab" and "Reset this
 * panel", instead of unmounting the whole lab: the other panels keep working and nothing saved is
 * touched. (React unmounts every component above an uncaught render error, so without a boundary
 * per panel one damaged record blanks the page.)
 */
export class PanelBoundary extends Component<Props, State> {
  state: State = { error: null, failures: 0, exportNote: null };
  /** Set by 'Reset this panel' until the next render error, to tell a repeat failure apart. */
  private justReset = false;

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error(`[${this.props.label}] panel failed:`, error, info.componentStack);
    if (this.justReset) this.setState((s) => ({ failures: s.failures + 1 }));
    this.justReset = false;
  }

  private reset = () => {
    this.props.onReset();
    this.justReset = true;
    this.setState({ error: null, exportNote: null });
  };

  private exportLab = async () => {
    try {
      const text = await exportCurrentLab();
      downloadText(`persona-lab-${new Date().toISOString().slice(0, 10)}.json`, text);
      this.setState({ exportNote: `Exported the lab (${(text.length / 1024).toFixed(0)} KiB).` });
    } catch (e) {
      this.setState({ exportNote: `The lab could not be exported: ${(e as Error)?.message ?? e}` });
    }
  };

  render() {
    const { error, failures, exportNote } = this.state;
    if (!error) return this.props.children;
    const { label, resetWhat } = this.props;
    return (
      <div role="alert" className="alert panel-failed" aria-label={`${label} panel failed`}>
        <div>
          <strong>
            The {label} panel failed: {error.message || error.name}
          </strong>
          <div className="hint">
            {failures > 0
              ? 'It failed again after a reset: what it shows from your saved work may be damaged. Export the lab to keep a copy; the other panels still work.'
              : `The rest of the lab still works and your saved work is untouched. Export the lab to keep a copy; "Reset this panel" ${resetWhat}.`}
          </div>
          <div className="row wrap" style={{ marginTop: 6 }}>
            <button type="button" className="small" onClick={() => void this.exportLab()}>
              Export lab
            </button>
            <button type="button" className="small" onClick={this.reset}>
              Reset this panel
            </button>
          </div>
          {exportNote && (
            <p aria-live="polite" className="small-text">
              {exportNote}
            </p>
          )}
        </div>
      </div>
    );
  }
}
