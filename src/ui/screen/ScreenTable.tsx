import { useMemo, useState } from 'react';
import type { ScreenRow } from '../../state/types';
import { fmt } from '../common/format';

type Key = 'line' | 'delta' | 'percentile' | 'projection';
const COLUMNS: { key: Key; label: string }[] = [
  { key: 'line', label: 'Line' },
  { key: 'delta', label: 'ΔP' },
  { key: 'percentile', label: 'Percentile' },
  { key: 'projection', label: 'Projection' },
];

/** Sortable results table; flagged rows are marked (text only: dataset content is never HTML). */
export function ScreenTable({ rows }: { rows: ScreenRow[] }) {
  const [sort, setSort] = useState<{ key: Key; desc: boolean }>({ key: 'delta', desc: true });
  const sorted = useMemo(
    () =>
      [...rows].sort((a, b) => {
        const x = a[sort.key];
        const y = b[sort.key];
        const d = (Number.isFinite(x) ? x : -Infinity) - (Number.isFinite(y) ? y : -Infinity);
        return sort.desc ? -d : d;
      }),
    [rows, sort],
  );
  return (
    <div className="table-wrap">
      <table aria-label="Screening results">
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th key={c.key} aria-sort={sort.key === c.key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
                <button type="button" onClick={() => setSort((s) => ({ key: c.key, desc: s.key === c.key ? !s.desc : true }))}>
                  {c.label}
                  {sort.key === c.key ? (sort.desc ? ' ▾' : ' ▴') : ''}
                </button>
              </th>
            ))}
            <th>Flag</th>
            <th>Prompt</th>
            <th>Response</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((r) => (
            <tr key={r.line} className={r.flagged ? 'flagged' : undefined} data-flagged={r.flagged}>
              <td className="mono">{r.line}</td>
              <td className="mono">{fmt(r.delta, 3)}</td>
              <td className="mono">{fmt(r.percentile, 0)}</td>
              <td className="mono">{fmt(r.projection, 3)}</td>
              <td>
                {r.flagged ? (
                  <span className="badge" style={{ color: 'var(--danger)', borderColor: 'var(--danger)' }}>
                    flagged
                  </span>
                ) : (
                  ''
                )}
              </td>
              <td className="clip" title={r.prompt}>
                {r.prompt}
              </td>
              <td className="clip" title={r.response}>
                {r.response}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
