export function MonitorPanel() { return <p className="muted">Coming soon.</p>; }
