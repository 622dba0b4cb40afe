/**
 * Lenient decoding: what fits a schema is kept, each value that does not is left out (with
 * its path reported), so a payload whose shape drifted still gives a typed view.
 *
 * @internal
 */
import { Either, ParseResult, Schema } from "effect"
import { isRecord } from "./jsonGuards.js"

/** Removes the value at `path` from a (copied) JSON tree; an array element is spliced out. */
const remove = (root: unknown, path: ReadonlyArray<PropertyKey>): void => {
  let node: unknown = root
  for (const key of path.slice(0, -1)) {
    node = isRecord(node) || Array.isArray(node) ? (node as Record<PropertyKey, unknown>)[key] : undefined
  }
  const last = path[path.length - 1]
  if (Array.isArray(node) && typeof last === "number") node.splice(last, 1)
  else if (isRecord(node) && last !== undefined) delete (node as Record<PropertyKey, unknown>)[last]
}

const indexOf = (path: ReadonlyArray<PropertyKey>): number => {
  const last = path[path.length - 1]
  return typeof last === "number" ? last : 0
}

/**
 * Decodes `input` with `schema`, dropping every value that does not fit (a missing
 * required field drops the object that lacks it) until what is left decodes. `dropped`
 * lists the paths left out, dotted (`rate_limit.primary_window.used_percent`). `value` is
 * `undefined` only when not even the top level fits.
 *
 * @internal
 */
export const decodeLenient = <A, I>(
  schema: Schema.Schema<A, I>,
  input: unknown
): { readonly value: A | undefined; readonly dropped: ReadonlyArray<string> } => {
  const decode = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "preserve" })
  const first = decode(input)
  if (Either.isRight(first)) return { value: first.right, dropped: [] }
  const copy: unknown = structuredClone(input)
  const dropped: Array<string> = []
  let error = first.left
  // Each round removes at least one value, so the tree shrinks to something that decodes.
  for (let round = 0; round < 64; round++) {
    const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
    // Deepest first, and array indices from the end, so one removal does not shift another's path.
    const paths = issues
      .map((issue) => (issue._tag === "Missing" ? issue.path.slice(0, -1) : issue.path))
      .sort((a, b) => b.length - a.length || indexOf(b) - indexOf(a))
    if (paths.length === 0 || paths.some((path) => path.length === 0)) {
      return { value: undefined, dropped: [...dropped, "(the whole payload)"] }
    }
    // A union reports its parent too ("expected null"): drop only the deepest values this
    // round; a parent that still misfits is reported again next round.
    const names = paths.map((path) => path.join("."))
    const seen = new Set<string>()
    for (const [i, path] of paths.entries()) {
      const name = names[i] ?? ""
      if (seen.has(name) || names.some((other) => other.startsWith(`${name}.`))) continue
      seen.add(name)
      dropped.push(name)
      remove(copy, path)
    }
    const next = decode(copy)
    if (Either.isRight(next)) return { value: next.right, dropped }
    error = next.left
  }
  return { value: undefined, dropped: [...dropped, "(the whole payload)"] }
}
