/**
 * The retry policy of protocol §6.4: exponential backoff with jitter, `Retry-After`
 * honoured up to a cap. Used by the transport (`internal/http.ts`), the token refresh and
 * the whole-request redo of a collected `/responses` call.
 *
 * @internal
 */
import { Duration, Effect, Random } from "effect"
import type { Service as Config } from "../CodexConfig.js"
import type { CodexError } from "../CodexError.js"

/**
 * How long to wait before retry `attempt` (0-based) after `error`, or `undefined` when
 * the server asked for longer than `retryMaxDelay` (the call then fails at once).
 *
 * @internal
 */
export const retryDelay = (
  config: Config,
  attempt: number,
  error: CodexError
): Effect.Effect<Duration.Duration | undefined> => {
  const requested = error._tag === "RateLimited" ? error.retryAfter : undefined
  if (requested !== undefined) {
    return Effect.succeed(Duration.greaterThan(requested, config.retryMaxDelay) ? undefined : requested)
  }
  return Effect.map(Random.nextRange(0.9, 1.1), (jitter) =>
    Duration.min(
      Duration.millis(Duration.toMillis(config.retryBaseDelay) * 2 ** attempt * jitter),
      config.retryMaxDelay
    ))
}

/**
 * Runs `effect` again after a retryable error, up to `retries` times, waiting as
 * {@link retryDelay} says. `retryable` picks the errors to retry and says which
 * `CodexError` they stand for (default: every error that `isRetryable`).
 *
 * @internal
 */
export const withRetries = <A, E, R>(
  config: Config,
  retries: number,
  endpoint: string,
  effect: Effect.Effect<A, E, R>,
  retryable: (error: E) => CodexError | undefined
): Effect.Effect<A, E, R> => {
  const loop = (attempt: number): Effect.Effect<A, E, R> =>
    Effect.catchAll(effect, (error) => {
      const reason = attempt < retries ? retryable(error) : undefined
      if (reason === undefined) return Effect.fail(error)
      return Effect.flatMap(retryDelay(config, attempt, reason), (delay) =>
        delay === undefined ? Effect.fail(error) : Effect.logDebug(
          `${endpoint}: ${reason._tag}; retry ${attempt + 1}/${retries} in ${Duration.format(delay)}`
        ).pipe(Effect.zipRight(Effect.sleep(delay)), Effect.zipRight(loop(attempt + 1))))
    })
  return loop(0)
}
