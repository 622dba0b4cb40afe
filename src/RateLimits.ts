/**
 * Rate-limit snapshots from the `x-codex-*` response headers (protocol §7) and from
 * `codex.rate_limits` stream events.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * One usage window.
 *
 * @since 0.1.0
 * @category schemas
 */
export const RateLimitWindow = Schema.Struct({
  used_percent: Schema.Number,
  window_minutes: Schema.NullOr(Schema.Number),
  /** Epoch seconds. */
  resets_at: Schema.NullOr(Schema.Number)
})

/**
 * @since 0.1.0
 * @category models
 */
export type RateLimitWindow = typeof RateLimitWindow.Type

/**
 * Credit flags and balance.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Credits = Schema.Struct({
  has_credits: Schema.Boolean,
  unlimited: Schema.Boolean,
  balance: Schema.NullOr(Schema.String)
})

/**
 * @since 0.1.0
 * @category models
 */
export type Credits = typeof Credits.Type

/**
 * The state of one limit family (`codex`, or an additional family such as a model with
 * its own quota).
 *
 * @since 0.1.0
 * @category schemas
 */
export const RateLimitSnapshot = Schema.Struct({
  limit_id: Schema.String,
  limit_name: Schema.NullOr(Schema.String),
  primary: Schema.NullOr(RateLimitWindow),
  secondary: Schema.NullOr(RateLimitWindow),
  credits: Schema.NullOr(Credits),
  plan_type: Schema.NullOr(Schema.String),
  rate_limit_reached_type: Schema.NullOr(Schema.String)
})

/**
 * @since 0.1.0
 * @category models
 */
export type RateLimitSnapshot = typeof RateLimitSnapshot.Type

const num = (value: string | undefined): number | undefined => {
  if (value === undefined || value.trim() === "") return undefined
  const n = Number(value)
  return Number.isFinite(n) ? n : undefined
}

const bool = (value: string | undefined): boolean | undefined => {
  switch (value?.trim().toLowerCase()) {
    case "true":
    case "1":
      return true
    case "false":
    case "0":
      return false
    default:
      return undefined
  }
}

const window = (
  headers: Readonly<Record<string, string | undefined>>,
  prefix: string,
  now: number
): RateLimitWindow | null => {
  const used = num(headers[`${prefix}-used-percent`])
  if (used === undefined) return null
  const minutes = num(headers[`${prefix}-window-minutes`])
  let resetsAt = num(headers[`${prefix}-reset-at`])
  if (resetsAt === undefined) {
    const after = num(headers[`${prefix}-reset-after-seconds`])
    if (after !== undefined) resetsAt = Math.floor(now / 1000) + after
  }
  if (used === 0 && (minutes === undefined || minutes === 0) && resetsAt === undefined) return null
  return { used_percent: used, window_minutes: minutes ?? null, resets_at: resetsAt ?? null }
}

/**
 * Parses the rate-limit headers of a reply. Header names must be lower-case (as Node and
 * `@effect/platform` deliver them). The `codex` family is always returned (possibly
 * empty); other families only when they carry data. A malformed value drops that field.
 *
 * @since 0.1.0
 * @category parsing
 */
export const fromHeaders = (
  headers: Readonly<Record<string, string | undefined>>,
  now: number = Date.now()
): ReadonlyArray<RateLimitSnapshot> => {
  const ids = new Set<string>(["codex"])
  for (const name of Object.keys(headers)) {
    const match = /^x-(.+)-primary-used-percent$/.exec(name) ?? /^x-(.+)-secondary-used-percent$/.exec(name)
    if (match?.[1] !== undefined) ids.add(match[1])
  }
  const snapshots: Array<RateLimitSnapshot> = []
  for (const id of ids) {
    const prefix = `x-${id}`
    const hasCredits = bool(headers[`${prefix}-credits-has-credits`])
    const unlimited = bool(headers[`${prefix}-credits-unlimited`])
    const snapshot: RateLimitSnapshot = {
      limit_id: id.replace(/-/g, "_"),
      limit_name: headers[`${prefix}-limit-name`] ?? null,
      primary: window(headers, `${prefix}-primary`, now),
      secondary: window(headers, `${prefix}-secondary`, now),
      credits: hasCredits !== undefined && unlimited !== undefined
        ? { has_credits: hasCredits, unlimited, balance: headers[`${prefix}-credits-balance`] ?? null }
        : null,
      plan_type: null,
      rate_limit_reached_type: null
    }
    if (id === "codex" || snapshot.primary !== null || snapshot.secondary !== null || snapshot.credits !== null) {
      snapshots.push(snapshot)
    }
  }
  return snapshots
}

/**
 * The family named by `x-codex-active-limit` (the binding one), else `codex`.
 *
 * @since 0.1.0
 * @category getters
 */
export const activeLimitId = (headers: Readonly<Record<string, string | undefined>>): string =>
  (headers["x-codex-active-limit"] ?? "codex").replace(/-/g, "_")
