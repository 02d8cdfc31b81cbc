export function TourCard() { return <p className="muted">Coming soon.</p>; }
