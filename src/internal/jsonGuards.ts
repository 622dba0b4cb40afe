/**
 * Tiny guards for reading untyped JSON.
 *
 * @internal
 */
import { Predicate } from "effect"

/**
 * A non-null, non-array object: effect's `Predicate.isRecord` (same test: `typeof "object"`,
 * not `null`, not an array; class instances such as a `Date` pass), narrowed to
 * `Record<string, unknown>` rather than its `{ [x: string | symbol]: unknown }` so callers
 * keep indexing and spreading it as a string-keyed JSON object.
 *
 * @internal
 */
export const isRecord: (u: unknown) => u is Record<string, unknown> = Predicate.isRecord

/** A non-empty string, else `undefined`. @internal */
export const str = (u: unknown): string | undefined => (typeof u === "string" && u !== "" ? u : undefined)
