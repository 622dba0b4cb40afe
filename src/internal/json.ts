/**
 * Tiny guards for reading untyped JSON.
 *
 * @internal
 */

/** A plain object (not an array, not null). @internal */
export const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/** A non-empty string, else `undefined`. @internal */
export const str = (u: unknown): string | undefined => (typeof u === "string" && u !== "" ? u : undefined)

/**
 * A cause that is safe to keep in an error: `@effect/platform`'s `RequestError` and
 * `ResponseError` carry the request (its `Authorization` header, a refresh token in its
 * body) and would print it through `JSON.stringify` or `util.inspect`. They are replaced by
 * an `Error` naming their reason and the underlying network error.
 *
 * @internal
 */
export const safeCause = (cause: unknown): unknown => {
  if (
    !isRecord(cause) || (cause["_tag"] !== "RequestError" && cause["_tag"] !== "ResponseError") || !("request" in cause)
  ) {
    return cause
  }
  const inner = cause["cause"]
  const detail = inner instanceof Error ? `: ${inner.message}` : ""
  return new Error(
    `${String(cause["_tag"])} (${String(cause["reason"])})${detail}`,
    inner instanceof Error ? { cause: inner } : undefined
  )
}

/** A size for messages: `16 MB`, `64 KB`, `1000 bytes`. @internal */
export const formatBytes = (bytes: number): string =>
  bytes % 2 ** 20 === 0 ? `${bytes / 2 ** 20} MB` : bytes % 1024 === 0 ? `${bytes / 1024} KB` : `${bytes} bytes`

const unsafeHeaderValue = /[^\t\x20-\x7e\x80-\xff]/

/**
 * Whether a string can travel as a header value: no CR, LF, NUL or other control
 * character, nothing outside Latin-1 (undici would refuse it, or worse, split the header).
 *
 * @internal
 */
export const isHeaderSafe = (value: string): boolean => !unsafeHeaderValue.test(value)
