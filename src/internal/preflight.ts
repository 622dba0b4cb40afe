/**
 * The checks of `Models.preflight`, on data already at hand: the catalog, the account's
 * plan and the last rate-limit snapshot.
 *
 * @internal
 */
import type { Model, PreflightOptions, Verdict } from "../Models.js"
import type { RateLimitState } from "../RateLimits.js"
import { exhaustedUntil } from "../RateLimits.js"

/** The verdict on a request to `options.model`, first failing check first. */
export const verdict = (
  options: PreflightOptions,
  catalog: ReadonlyArray<Model>,
  plan: string | undefined,
  limits: RateLimitState | undefined,
  now: number
): Verdict => {
  const refused = (reason: Extract<Verdict, { _tag: "Refused" }>["reason"], detail: string, resetsAt?: Date): Verdict => ({
    _tag: "Refused",
    model: options.model,
    reason,
    detail,
    ...(resetsAt === undefined ? {} : { resetsAt })
  })
  const model = catalog.find((m) => m.id === options.model)
  if (model === undefined) {
    return refused("unknown_model", `no model "${options.model}" in this account's catalog; it has ${catalog.map((m) => m.id).join(", ") || "no models"}`)
  }
  const plans = model.available_in_plans
  if (plan !== undefined && plans !== undefined && plans.length > 0 && !plans.includes(plan)) {
    return refused("not_in_plan", `${model.id} is available in the ${plans.join(", ")} plans, not in ${plan}`)
  }
  const effort = options.reasoning?.effort
  const levels = model.supported_reasoning_levels
  if (effort !== undefined && levels !== undefined && !levels.some((level) => level.effort === effort)) {
    return refused("reasoning_effort", `${model.id} supports the reasoning efforts ${levels.map((l) => l.effort).join(", ")}, not ${effort}`)
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
    return refused("usage_limit", `the usage window that binds ${model.id} is spent until ${until.toISOString()}`, until)
  }
  return { _tag: "Ready", model }
}
