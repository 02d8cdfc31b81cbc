export function PresetsPanel() { return <p className="muted">Coming soon.</p>; }
