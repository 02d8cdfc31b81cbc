/**
 * The layering the code keeps (docs/ARCHITECTURE.md §2), as rules the import check enforces,
 * and the known exceptions still to be fixed. An exception names the exact import (file and the
 * target it reaches); the check fails when an exception no longer occurs, so the list only shrinks.
 */
import type { LayerRule } from './checkImports';

export const RULES: LayerRule[] = [
  { layer: 'engine/', forbidden: ['state/', 'ui/', 'react', 'react-dom', 'zustand'], why: 'the engine runs in a worker and in Node; it knows no stores or UI' },
  // tests may check the engine with the layers above it (e.g. read a reference with persona's safetensors reader)
  {
    layer: 'engine/',
    shippedOnly: true,
    forbidden: ['persona/', 'share/'],
    why: 'the engine is the bottom layer: the layers above build on its vocabulary, not the other way',
  },
  {
    layer: 'persona/',
    forbidden: ['state/', 'ui/', 'react', 'react-dom', 'zustand', 'onnxruntime-web'],
    why: 'persona maths is plain arrays, testable in Node without a DOM or ORT',
  },
  {
    layer: 'share/',
    forbidden: ['state/', 'ui/', 'react', 'react-dom', 'zustand'],
    why: 'the share-link codec is pure; the store adapts to it, not the other way',
  },
  { layer: 'cli/', forbidden: ['state/', 'ui/', 'react', 'react-dom', 'zustand'], why: 'the CLI drives the engine and persona layers headless' },
  { layer: 'cli.ts', forbidden: ['state/', 'ui/', 'react', 'react-dom', 'zustand'], why: 'the CLI drives the engine and persona layers headless' },
  { layer: 'storage/', forbidden: ['state/', 'ui/', 'react', 'react-dom', 'zustand'], why: 'storage is a plain IndexedDB layer the stores use' },
];

export interface AllowedViolation {
  /** File under src/ that makes the import. */
  file: string;
  /** What it imports, as a path under src/ without extension, or a package name. */
  target: string;
  /** Why it is still there and what would remove it. */
  reason: string;
}

/** Known violations, each to be removed by the change its reason names. Printed by every run. */
export const ALLOWED: AllowedViolation[] = [];
