import { setAlpha, setLayer, setSteeringOption, toggleActive } from '../../state/actions/steering';
import { useShallow } from 'zustand/react/shallow';
import { relativeStrength, vectorRowAt } from '../../state/actions/steer';
import { useLab, type LabState } from '../../state/store';
import type { PositionMode } from '../../state/types';
import { fmt } from '../common/format';
import { READOUT_HELP, readoutOf } from '../traits/readoutText';

export const ALPHA_RANGE = { min: -4, max: 4, step: 0.1 };

/**
 * How far the slider reaches, as a multiple of the typical residual norm: twice when answer tokens
 * are steered; eight times when only the prompt is (steering the prompt needs ρ ≈ 3.5–9 on the
 * demo model; the store's limit for that mode is 12).
 */
export function sliderReach(positions: PositionMode): number {
  return positions === 'prompt' ? 8 : 2;
}

/**
 * The slider's reach: at least ±4, and far enough that the added vector can be `reach` times a
 * typical residual vector (raw α means very different strengths on different models and layers).
 */
export function alphaMax(relativePerUnit: number | null, reach = 2): number {
  if (relativePerUnit === null || !(relativePerUnit > 0)) return ALPHA_RANGE.max;
  return Math.min(100, Math.max(ALPHA_RANGE.max, Math.ceil(reach / relativePerUnit)));
}

/**
 * What the controls show, read with a shallow comparison (useShallow): a write that changes none
 * of these fields (a streamed token changes only `turns`) does not re-render them.
 */
export function steeringControlsView(s: LabState) {
  return {
    info: s.info,
    vectors: s.vectors,
    active: s.active,
    alphas: s.alphas,
    layer: s.layer,
    positions: s.positions,
    sampling: s.sampling,
    seed: s.seed,
    maxNewTokens: s.maxNewTokens,
  };
}

/** One slider per active trait, the layer, position mode and sampling settings. */
export function SteeringControls() {
  const { info, vectors, active, alphas, layer, positions, sampling, seed, maxNewTokens } = useLab(useShallow(steeringControlsView));
  const state = { vectors, layer };
  const inactive = Object.keys(vectors).filter((t) => !active.includes(t));
  return (
    <div className="stack">
      <label className="field">
        <span>Layer</span>
        <select aria-label="Layer" value={layer ?? ''} disabled={!info} onChange={(e) => setLayer(Number(e.target.value))}>
          {layer === null && <option value="">—</option>}
          {Array.from({ length: info?.numLayers ?? (layer !== null ? layer + 1 : 0) }, (_, l) => (
            <option key={l} value={l}>{`${l} · blocks.${l}.resid_post`}</option>
          ))}
        </select>
      </label>
      {active.length === 0 && (
        <p className="muted small-text">No steering vectors yet. Extract a trait in the Traits panel (or open a preset), and its slider appears here.</p>
      )}
      {active.map((t) => {
        const v = vectors[t];
        const usable = v && layer !== null && vectorRowAt(v, layer) !== null && (!info || v.hidden === info.hiddenSize);
        const alpha = alphas[t] ?? 0;
        const rel = relativeStrength(state, t, alpha);
        // a preset or link may hold a (clamped) α beyond the usual reach: the thumb must still show it
        const max = Math.max(alphaMax(relativeStrength(state, t, 1), sliderReach(positions)), Math.ceil(Math.abs(alpha)));
        return (
          <div className="slider" key={t}>
            <div className="slider-head">
              <label htmlFor={`alpha-${t}`}>{t} strength</label>
              <span className="mono alpha-value" aria-hidden="false">
                α {alpha.toFixed(1)}
                {rel !== null ? ` · ${fmt(rel * 100, 0)}% of ‖resid‖` : ''}
              </span>
            </div>
            <input
              id={`alpha-${t}`}
              type="range"
              aria-label={`${t} strength`}
              aria-valuetext={`α ${alpha.toFixed(1)}${rel !== null ? `, ${fmt(rel * 100, 0)} percent of the typical residual norm` : ''}`}
              min={-max}
              max={max}
              step={ALPHA_RANGE.step}
              value={alpha}
              disabled={!usable}
              onChange={(e) => setAlpha(t, Number(e.target.value))}
            />
            <div className="slider-foot muted small-text">
              <span title={v ? READOUT_HELP[readoutOf(v)] : undefined}>
                {usable ? `adds α·v (${readoutOf(v)}) at blocks.${layer}.resid_post` : `no ${t} vector at this layer`}
              </span>
              {v?.sweep?.suggested && (
                <span className="suggested-alpha" title="the steering sweep after Extract (Traits panel)">
                  suggested α {v.sweep.suggested.alpha.toFixed(2)} at layer {v.sweep.suggested.layer}
                </span>
              )}
              <button type="button" className="link" onClick={() => setAlpha(t, 0)}>
                reset
              </button>
              <button type="button" className="link" onClick={() => toggleActive(t, false)}>
                hide
              </button>
            </div>
          </div>
        );
      })}
      {inactive.length > 0 && (
        <p className="small-text">
          Hidden:{' '}
          {inactive.map((t) => (
            <button type="button" className="link" key={t} onClick={() => toggleActive(t, true)}>
              {t}
            </button>
          ))}
        </p>
      )}
      <div className="row wrap">
        <label className="field inline">
          <span>Positions</span>
          <select aria-label="Positions" value={positions} onChange={(e) => setSteeringOption({ positions: e.target.value as PositionMode })}>
            <option value="response">response (newest position)</option>
            <option value="all">all positions</option>
            <option value="prompt">prompt only</option>
          </select>
        </label>
        <label className="field inline">
          <span>Temperature</span>
          <input
            type="number"
            aria-label="Temperature"
            min={0}
            max={2}
            step={0.1}
            value={sampling.temperature}
            onChange={(e) => setSteeringOption({ sampling: { ...sampling, temperature: Math.max(0, Number(e.target.value) || 0) } })}
          />
        </label>
        <label className="field inline">
          <span>Seed</span>
          <input
            type="number"
            aria-label="Seed"
            min={0}
            step={1}
            value={seed}
            onChange={(e) => setSteeringOption({ seed: Math.max(0, Math.floor(Number(e.target.value) || 0)) })}
          />
        </label>
        <label className="field inline">
          <span>Max tokens</span>
          <input
            type="number"
            aria-label="Max tokens"
            min={1}
            max={512}
            value={maxNewTokens}
            onChange={(e) => setSteeringOption({ maxNewTokens: Math.max(1, Math.min(512, Math.floor(Number(e.target.value) || 1))) }, false)}
          />
        </label>
      </div>
    </div>
  );
}
