/**
 * The Model panel's variant choice: list a model's ONNX variants with their sizes (no weights are
 * downloaded), remember the one picked for that model, and hand it to the next load.
 */
import type { VariantListing, VariantLister } from '../../engine/api';
import { getEngine, toUiError } from '../engine';
import { DEFAULT_HUB_HOST } from '../modelSlice';
import { getLab, setLab } from '../store';
import type { UiError } from '../types';
import { consentToLoad, normalizeHost, sourceFor } from './model';

/** The variant to load for what the Model box holds: the one picked for this very model text, else the engine's default. */
export function variantFor(s: { modelText: string; variantChoice: { model: string; name: string } | null }): string | undefined {
  return s.variantChoice && s.variantChoice.model === s.modelText.trim() ? s.variantChoice.name : undefined;
}

/** Picks a variant for the model in the Model box; null goes back to the automatic choice. */
export function pickVariant(name: string | null): void {
  setLab((s) => ({ variantChoice: name === null ? null : { model: s.modelText.trim(), name } }));
}

/**
 * Lists the variants of the model in the Model box, judged for the chosen backend. Contacts the
 * host only after the same consent a load asks for; null when the user declined.
 */
export async function listModelVariants(): Promise<VariantListing | UiError | null> {
  const s = getLab();
  const consent = await consentToLoad(s.modelText, s.hubHost, 'Model panel');
  if (consent === 'declined') return null;
  if (consent) return consent;
  const engine = getEngine() as ReturnType<typeof getEngine> & Partial<VariantLister>;
  if (!engine.listVariants) return { message: 'this engine cannot list variants' };
  try {
    const host = normalizeHost(s.hubHost);
    return await engine.listVariants({
      source: sourceFor(s.modelText, s.hubHost),
      backend: s.backendPref,
      hubHost: host === DEFAULT_HUB_HOST ? undefined : host,
    });
  } catch (e) {
    return toUiError(e, 'Check the model id and the Hub host.');
  }
}
