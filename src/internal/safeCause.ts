/**
 * Sanitising the cause an error keeps.
 *
 * @internal
 */
import { isRecord } from "./jsonGuards.js"

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
