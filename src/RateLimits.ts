/**
 * Rate-limit snapshots from the `x-codex-*` response headers (protocol §7) and from
 * `codex.rate_limits` stream events, and the `RateLimits` service that keeps the latest
 * state per account.
 *
 * Every reply that carries `x-codex-*` headers (successes included) and every
 * `codex.rate_limits` event updates the service, when it is in the context (as in
 * `CodexClient.layer`). A batch job reads it to pause before a limit it already knows about.
 *
 * @example
 * ```ts
 * import { Console, Effect, Stream } from "effect"
 * import { RateLimits } from "codex-backend-sdk"
 *
 * const watch = Effect.flatMap(RateLimits.RateLimits, (limits) =>
 *   limits.changes.pipe(
 *     Stream.runForEach((state) => Console.log(`${state.snapshots[0]?.primary?.used_percent ?? "?"}% of the short window used`))
 *   ))
 * ```
 *
 * @since 0.1.0
 */
import { Clock, Context, Effect, Layer, Option, Schema, Stream, SubscriptionRef } from "effect"
import { isRecord, str } from "./internal/jsonGuards.js"
import { clampResetSeconds } from "./internal/resets.js"

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
  resetsAt = clampResetSeconds(resetsAt, now)
  if (used === 0 && (minutes === undefined || minutes === 0) && resetsAt === undefined) return null
  return { used_percent: used, window_minutes: minutes ?? null, resets_at: resetsAt ?? null }
}

/**
 * The most limit families kept per account (`codex` included): a reply naming more is read
 * up to this many, and the state drops the family updated least recently beyond it, so a
 * server inventing a family per reply cannot grow the state without bound.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxFamilies = 16

/**
 * Parses the rate-limit headers of a reply (at most {@link maxFamilies} families). Header names must be lower-case (as Node and
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
    if (ids.size >= maxFamilies) break
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

/**
 * Whether a reply carries rate-limit headers (a `x-<family>-primary-used-percent`,
 * `-secondary-used-percent`, or credit flags).
 *
 * @since 0.1.0
 * @category parsing
 */
export const hasHeaders = (headers: Readonly<Record<string, string | undefined>>): boolean => {
  for (const name in headers) {
    if (name.startsWith("x-") && (name.endsWith("-used-percent") || name.endsWith("-credits-has-credits"))) return true
  }
  return false
}

const eventNumber = (u: unknown): number | null => (typeof u === "number" && Number.isFinite(u) ? u : null)

const eventWindow = (u: unknown): RateLimitWindow | null => {
  if (!isRecord(u)) return null
  const used = eventNumber(u["used_percent"])
  if (used === null) return null
  return {
    used_percent: used,
    window_minutes: eventNumber(u["window_minutes"]),
    resets_at: eventNumber(u["reset_at"]) ?? eventNumber(u["resets_at"])
  }
}

/**
 * Reads a `codex.rate_limits` event (§7.3: `reset_at` there, `resets_at` in the snapshot;
 * the family in `metered_limit_name` or `limit_name`).
 *
 * @since 0.1.0
 * @category parsing
 */
export const fromEvent = (event: Readonly<Record<string, unknown>>): RateLimitSnapshot => {
  const limits = isRecord(event["rate_limits"]) ? event["rate_limits"] : {}
  const credits = isRecord(event["credits"]) ? event["credits"] : undefined
  const name = str(event["metered_limit_name"]) ?? str(event["limit_name"])
  const reached = limits["rate_limit_reached_type"]
  return {
    limit_id: (name ?? "codex").replace(/-/g, "_"),
    limit_name: name ?? null,
    primary: eventWindow(limits["primary"]),
    secondary: eventWindow(limits["secondary"]),
    credits:
      credits !== undefined && typeof credits["has_credits"] === "boolean" && typeof credits["unlimited"] === "boolean"
        ? {
          has_credits: credits["has_credits"],
          unlimited: credits["unlimited"],
          balance: typeof credits["balance"] === "string" ? credits["balance"] : null
        }
        : null,
    plan_type: str(event["plan_type"]) ?? null,
    rate_limit_reached_type: str(reached) ?? (isRecord(reached) ? str(reached["type"]) ?? null : null)
  }
}

/**
 * The latest known limits of one account: one snapshot per family, `codex` first, then the
 * others from least to most recently updated; at most {@link maxFamilies}.
 *
 * @since 0.1.0
 * @category models
 */
export interface RateLimitState {
  /** `undefined` when the credentials carry no account id. */
  readonly accountId: string | undefined
  readonly snapshots: ReadonlyArray<RateLimitSnapshot>
  readonly updatedAt: Date
}

/**
 * When the binding limit family (`codex` by default) frees up: the reset of its window used
 * up to 100 %, when that reset is still ahead and the account has no credits to go on
 * with; `undefined` when nothing binds.
 *
 * @since 0.1.0
 * @category getters
 */
export const exhaustedUntil = (state: RateLimitState | undefined, now: number, family = "codex"): Date | undefined => {
  const snapshot = state?.snapshots.find((s) => s.limit_id === family)
  if (snapshot === undefined || snapshot.credits?.unlimited === true || snapshot.credits?.has_credits === true) {
    return undefined
  }
  let until: number | undefined
  for (const window of [snapshot.primary, snapshot.secondary]) {
    if (window === null || window.used_percent < 100 || window.resets_at === null) continue
    const at = (clampResetSeconds(window.resets_at, now) ?? 0) * 1000
    if (at > now && (until === undefined || at > until)) until = at
  }
  return until === undefined ? undefined : new Date(until)
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The state of the account seen last (`undefined` before any reply carried limits). */
  readonly latest: Effect.Effect<RateLimitState | undefined>
  /** The state of one account. */
  readonly latestFor: (accountId: string) => Effect.Effect<RateLimitState | undefined>
  /** Every new state, as it arrives (starting with the current one, when there is one). */
  readonly changes: Stream.Stream<RateLimitState>
  /**
   * Records snapshots for an account (`undefined`: the account seen last). A family's new
   * windows, credits and plan replace the old ones; what a snapshot lacks is kept. Beyond
   * {@link maxFamilies} families, the one updated least recently is dropped (never `codex`).
   */
  readonly update: (accountId: string | undefined, snapshots: ReadonlyArray<RateLimitSnapshot>) => Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class RateLimits extends Context.Tag("codex-backend-sdk/RateLimits")<RateLimits, Service>() {}

const merge = (old: RateLimitSnapshot | undefined, next: RateLimitSnapshot): RateLimitSnapshot =>
  old === undefined ? next : {
    limit_id: next.limit_id,
    limit_name: next.limit_name ?? old.limit_name,
    primary: next.primary ?? old.primary,
    secondary: next.secondary ?? old.secondary,
    credits: next.credits ?? old.credits,
    plan_type: next.plan_type ?? old.plan_type,
    rate_limit_reached_type: next.rate_limit_reached_type ?? old.rate_limit_reached_type
  }

/**
 * Builds an empty in-memory service.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Service> = Effect.gen(function*() {
  const accounts = new Map<string, RateLimitState>()
  const last = yield* SubscriptionRef.make<RateLimitState | undefined>(undefined)
  const key = (accountId: string | undefined) => accountId ?? ""

  const update = (accountId: string | undefined, snapshots: ReadonlyArray<RateLimitSnapshot>) =>
    Effect.gen(function*() {
      if (snapshots.length === 0) return
      const account = accountId ?? (yield* SubscriptionRef.get(last))?.accountId
      const previous = accounts.get(key(account))
      // `previous.snapshots` is `codex` first, then the others from least to most recently updated.
      const families = new Map((previous?.snapshots ?? []).map((s) => [s.limit_id, s] as const))
      for (const snapshot of snapshots) {
        const merged = merge(families.get(snapshot.limit_id), snapshot)
        families.delete(snapshot.limit_id)
        families.set(snapshot.limit_id, merged)
      }
      for (const id of families.keys()) {
        if (families.size <= maxFamilies) break
        if (id !== "codex") families.delete(id)
      }
      const state: RateLimitState = {
        accountId: account,
        snapshots: [...families.values()].sort((a, b) =>
          Number(b.limit_id === "codex") - Number(a.limit_id === "codex")
        ),
        updatedAt: new Date(yield* Clock.currentTimeMillis)
      }
      accounts.set(key(account), state)
      yield* SubscriptionRef.set(last, state)
    })

  return RateLimits.of({
    latest: SubscriptionRef.get(last),
    latestFor: (accountId) => Effect.sync(() => accounts.get(accountId)),
    changes: last.changes.pipe(Stream.filterMap((state) => Option.fromNullable(state))),
    update
  })
})

/**
 * An empty in-memory service; `CodexClient.layer` includes it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<RateLimits> = Layer.effect(RateLimits, make)
