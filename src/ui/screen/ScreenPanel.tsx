export function ScreenPanel() { return <p className="muted">Coming soon.</p>; }
