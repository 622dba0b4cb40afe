/**
 * Tiny guards for reading untyped JSON.
 *
 * @internal
 */

/** A plain object (not an array, not null). @internal */
export const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** A non-empty string, else `undefined`. @internal */
export const str = (u: unknown): string | undefined => (typeof u === "string" && u !== "" ? u : undefined)
