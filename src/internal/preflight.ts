/**
 * The checks of `Models.preflight`, on data already at hand: the catalog, the account's
 * plan and the last rate-limit snapshot (or, before any reply carried one, `/wham/usage`).
 *
 * @internal
 */
import type { Usage, UsageWindow } from "../CodexAccount.js"
import type { Model, PreflightOptions, Verdict } from "../Models.js"
import type { RateLimitState, RateLimitWindow } from "../RateLimits.js"
import { exhaustedUntil } from "../RateLimits.js"

/** The verdict on a request to `options.model`, first failing check first. */
export const verdict = (
  options: PreflightOptions,
  catalog: ReadonlyArray<Model>,
  plan: string | undefined,
  limits: RateLimitState | undefined,
  now: number
): Verdict => {
  const refused = (
    reason: Extract<Verdict, { _tag: "Refused" }>["reason"],
    detail: string,
    resetsAt?: Date
  ): Verdict => ({
    _tag: "Refused",
    model: options.model,
    reason,
    detail,
    ...(resetsAt === undefined ? {} : { resetsAt })
  })
  const model = catalog.find((m) => m.id === options.model)
  if (model === undefined) {
    return refused(
      "unknown_model",
      `no model "${options.model}" in this account's catalog; it has ${
        catalog.map((m) => m.id).join(", ") || "no models"
      }`
    )
  }
  const plans = model.available_in_plans
  if (plan !== undefined && plans !== undefined && plans.length > 0 && !plans.includes(plan)) {
    return refused("not_in_plan", `${model.id} is available in the ${plans.join(", ")} plans, not in ${plan}`)
  }
  const effort = options.reasoning?.effort
  const levels = model.supported_reasoning_levels
  if (effort !== undefined && levels !== undefined && !levels.some((level) => level.effort === effort)) {
    return refused(
      "reasoning_effort",
      `${model.id} supports the reasoning efforts ${levels.map((l) => l.effort).join(", ")}, not ${effort}`
    )
  }
  if (options.reasoning?.summary !== undefined && model.supports_reasoning_summaries === false) {
    return refused("reasoning_summary", `${model.id} does not summarise its reasoning; leave reasoning.summary out`)
  }
  const verbosity = options.text?.verbosity
  if (verbosity !== undefined && model.support_verbosity === false) {
    return refused("verbosity", `${model.id} does not support text.verbosity; leave it out`)
  }
  const until = exhaustedUntil(limits, now)
  if (until !== undefined) {
    return refused(
      "usage_limit",
      `the usage window that binds ${model.id} is spent until ${until.toISOString()}`,
      until
    )
  }
  return { _tag: "Ready", model }
}

/**
 * `/wham/usage` (§12.1) as a rate-limit state, for a preflight that runs before any reply
 * carried the `x-codex-*` headers: the `codex` family's two windows and credits.
 *
 * @internal
 */
export const fromUsage = (usage: Usage, now: number): RateLimitState => {
  const window = (w: UsageWindow | null | undefined): RateLimitWindow | null =>
    w === undefined || w === null || w.used_percent === undefined ? null : {
      used_percent: w.used_percent,
      window_minutes: w.limit_window_seconds === undefined || w.limit_window_seconds === null
        ? null
        : w.limit_window_seconds / 60,
      resets_at: w.reset_at ?? (w.reset_after_seconds === undefined || w.reset_after_seconds === null
        ? null
        : Math.floor(now / 1000) + w.reset_after_seconds)
    }
  const credits = usage.credits
  return {
    accountId: undefined,
    updatedAt: new Date(now),
    snapshots: [{
      limit_id: "codex",
      limit_name: null,
      primary: window(usage.rate_limit?.primary_window),
      secondary: window(usage.rate_limit?.secondary_window),
      credits: credits === undefined || credits === null ? null : {
        has_credits: credits.has_credits === true,
        unlimited: credits.unlimited === true,
        balance: typeof credits.balance === "string" ? credits.balance : null
      },
      plan_type: usage.plan_type ?? null,
      rate_limit_reached_type: usage.rate_limit_reached_type?.type ?? null
    }]
  }
}
