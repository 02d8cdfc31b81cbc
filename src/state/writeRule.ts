/**
 * A zustand middleware that passes every write to the store through a rule: `rule(state, patch)`
 * returns the patch to apply (for a replacing write, the whole state). A functional update is
 * resolved against the current state first, so the rule always sees a plain patch. Stacked rules
 * run nearest-the-creator first: `create(b(a(creator)))` applies rule a, then rule b.
 */
import type { StateCreator } from 'zustand';

export type WriteRule<T> = (state: T, patch: Partial<T>) => Partial<T>;

export function writeRule<T>(rule: WriteRule<T>) {
  return (creator: StateCreator<T>): StateCreator<T> =>
    (_set, get, api) => {
      const inner = api.setState;
      api.setState = ((partial: Partial<T> | ((s: T) => Partial<T>), replace?: boolean) => {
        inner((s: T) => {
          const patch = rule(s, typeof partial === 'function' ? partial(s) : partial);
          return replace ? (patch as T) : patch;
        }, replace as false);
      }) as typeof api.setState;
      return creator(api.setState, get, api);
    };
}
