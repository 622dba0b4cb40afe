/**
 * The driver of the retry policy (`CodexConfig.RetrySchedule`, protocol §6.4). Used by the
 * transport (`internal/http.ts`, the WebSocket), the token refresh and the whole-request
 * redo of a collected `/responses` call.
 *
 * @internal
 */
import { Clock, Duration, Effect, Schedule, ScheduleDecision, ScheduleIntervals } from "effect"
import type { LazyArg } from "effect/Function"
import type { RetrySchedule, Service as Config } from "../CodexConfig.js"
import { defaultRetrySchedule } from "../CodexConfig.js"
import type { CodexError } from "../CodexError.js"

/**
 * The schedule of a request's retries before its first byte: the configured one, or the
 * protocol's built from the configured numbers.
 *
 * @internal
 */
export const retrySchedule = (config: Config): RetrySchedule => config.retrySchedule ?? defaultRetrySchedule(config)

/**
 * The schedule of a collected call's redos after a cut stream: the configured one bounded
 * by `maxStreamRetries`, or the protocol's with `maxStreamRetries` retries.
 *
 * @internal
 */
export const redoSchedule = (config: Config): RetrySchedule =>
  config.retrySchedule === undefined
    ? defaultRetrySchedule({ ...config, maxRetries: config.maxStreamRetries })
    : Schedule.zipLeft(config.retrySchedule, Schedule.recurs(config.maxStreamRetries))

/**
 * Runs `effect` again after a retryable error, for as long as `schedule` goes on, waiting
 * as it says. `retryable` picks the errors to retry and says which `CodexError` they stand
 * for (the schedule's input). The schedule is built on the first failure, so the success
 * path costs one `catchAll`.
 *
 * @internal
 */
export const withRetries = <A, E, R>(
  schedule: LazyArg<RetrySchedule>,
  endpoint: string,
  effect: Effect.Effect<A, E, R>,
  retryable: (error: E) => CodexError | undefined
): Effect.Effect<A, E, R> => {
  /** After a failure: one step of the schedule, then the wait and the next attempt, or the failure. */
  const retry = (policy: RetrySchedule, state: unknown, retries: number) => (error: E): Effect.Effect<A, E, R> => {
    const reason = retryable(error)
    if (reason === undefined) return Effect.fail(error)
    return Effect.flatMap(
      Clock.currentTimeMillis,
      (now) =>
        Effect.flatMap(policy.step(now, reason, state), ([next, , decision]) => {
          if (ScheduleDecision.isDone(decision)) return Effect.fail(error)
          const delay = Duration.millis(Math.max(0, ScheduleIntervals.start(decision.intervals) - now))
          return Effect.logDebug(`${endpoint}: ${reason._tag}; retry ${retries + 1} in ${Duration.format(delay)}`).pipe(
            Effect.zipRight(Effect.sleep(delay)),
            Effect.zipRight(Effect.catchAll(effect, retry(policy, next, retries + 1)))
          )
        })
    )
  }
  return Effect.catchAll(effect, (error) => {
    const policy = schedule()
    return retry(policy, policy.initial, 0)(error)
  })
}
