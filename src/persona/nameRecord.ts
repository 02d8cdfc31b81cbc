/**
 * Records keyed by names a stranger chooses (trait names, preset names, metadata keys, model ids).
 *
 * Decision: such records are objects without a prototype. On an ordinary object `r["constructor"]`
 * is a function, `r["toString"]` too, and `r["__proto__"] = x` replaces the prototype instead of
 * storing x, so a trait called "__proto__" or "constructor" read back a built-in (and blanked the
 * lab) or vanished. Without a prototype every key is just data: a missing key reads `undefined`,
 * `in` sees only own keys, and assignment always stores. They stay JSON- and structured-clonable
 * (a clone comes back as an ordinary object: pass it through `nameRecord` again).
 */

export type NameRecord<T> = Record<string, T>;

/** A prototype-free record holding the own enumerable entries of `from` (an object, a Map or pairs). */
export function nameRecord<T>(from?: Record<string, T> | Iterable<readonly [string, T]> | null): NameRecord<T> {
  const out = Object.create(null) as NameRecord<T>;
  if (!from) return out;
  const entries = Symbol.iterator in from ? (from as Iterable<readonly [string, T]>) : Object.entries(from as Record<string, T>);
  for (const [k, v] of entries) out[k] = v;
  return out;
}

/** Is `r` already prototype-free? */
export function isNameRecord(r: unknown): boolean {
  return typeof r === 'object' && r !== null && Object.getPrototypeOf(r) === null;
}

/** `r` itself when prototype-free, else a prototype-free copy (for records that came from JSON or a clone). */
export function asNameRecord<T>(r: Record<string, T> | null | undefined): NameRecord<T> {
  return r && isNameRecord(r) ? r : nameRecord(r ?? undefined);
}

/** The value stored under `key` itself, never one inherited from a prototype. */
export function ownValue<T>(r: Record<string, T> | null | undefined, key: string): T | undefined {
  return r && Object.prototype.hasOwnProperty.call(r, key) ? r[key] : undefined;
}
