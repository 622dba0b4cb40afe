/**
 * `codex-backend usage`: the plan's usage windows (used %, reset time in local time).
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import { Clock, Console, Effect } from "effect"
import type { UsageWindow } from "../CodexAccount.js"
import * as Layers from "./layers.js"
import * as Report from "./report.js"

const span = (seconds: number): string => {
  const minutes = Math.round(seconds / 60)
  if (minutes < 120) return `${minutes} min`
  if (minutes < 48 * 60) {
    return minutes % 60 === 0
      ? `${minutes / 60} h`
      : `${Math.floor(minutes / 60)} h ${minutes % 60} min`
  }
  return `${Math.round(minutes / 1440)} days`
}

/**
 * One line for a usage window: its length, how much is used, when it resets (local time).
 *
 * @since 0.1.0
 * @category formatting
 */
export const windowLine = (name: string, window: UsageWindow, now: number): string => {
  const length = window.limit_window_seconds === null || window.limit_window_seconds === undefined
    ? name
    : `${name} (${span(window.limit_window_seconds)})`
  const at = window.reset_at ?? (window.reset_after_seconds === null || window.reset_after_seconds === undefined
    ? undefined
    : Math.floor(now / 1000) + window.reset_after_seconds)
  const resets = at === undefined
    ? "reset time unknown"
    : `resets ${new Date(at * 1000).toLocaleString()} (in ${span(Math.max(0, at - now / 1000))})`
  return `${length}: ${window.used_percent ?? "?"}% used, ${resets}`
}

/**
 * The `usage` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("usage", {}, () =>
  Effect.gen(function*() {
    const CodexAccount = yield* Layers.load(() => import("../CodexAccount.js"))
    const account = yield* CodexAccount.CodexAccount
    const usage = yield* account.usage()
    const now = yield* Clock.currentTimeMillis
    const lines = [`plan: ${usage.plan_type ?? "unknown"}`]
    const families = [
      { name: "codex", limit: usage.rate_limit },
      ...(usage.additional_rate_limits ?? []).map((extra) => ({
        name: extra.limit_name ?? extra.metered_feature ?? "other",
        limit: extra.rate_limit
      }))
    ]
    for (const { limit, name } of families) {
      const windows = [["short window", limit?.primary_window], ["long window", limit?.secondary_window]] as const
      for (const [label, window] of windows) {
        if (window !== null && window !== undefined) lines.push(windowLine(`${name} ${label}`, window, now))
      }
    }
    if (usage.rate_limit?.limit_reached === true) lines.push("limit reached: requests are refused until the reset")
    if (usage.credits?.has_credits === true) lines.push(`credits: ${usage.credits.balance ?? "?"}`)
    yield* Console.log(Report.sanitize(lines.join("\n")))
  }).pipe(Effect.provide(Layers.client))).pipe(
    Command.withDescription("Show the plan's usage windows: how much is used and when each resets (local time).")
  )
