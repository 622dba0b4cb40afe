/**
 * Reset times from the wire, kept to a sane horizon. A server (or a proxy) can send any
 * number: `x-codex-primary-reset-at: 1e15` made an Invalid Date, and a batch gate that
 * waits for it spun every millisecond. The longest usage window is a week (protocol §7),
 * so a reset is never taken to be more than 31 days ahead.
 *
 * @internal
 */

/** The furthest ahead a reset is believed: 31 days. @internal */
export const resetHorizonSeconds = 31 * 24 * 60 * 60

/** A reset time in epoch seconds, clamped to `now` + 31 days; non-finite values are dropped. @internal */
export const clampResetSeconds = (seconds: number | undefined, now: number): number | undefined =>
  seconds === undefined || !Number.isFinite(seconds)
    ? undefined
    : Math.min(seconds, Math.floor(now / 1000) + resetHorizonSeconds)
