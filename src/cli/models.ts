/**
 * `codex-backend models`: the model catalog of the signed-in account, as a table.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import { Console, Effect } from "effect"
import * as Layers from "./layers.js"
import * as Report from "./report.js"

/**
 * Lays rows out in columns, two spaces apart.
 *
 * @since 0.1.0
 * @category formatting
 */
export const table = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths: Array<number> = []
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)))
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  "))
    .join("\n")
}

/**
 * The `models` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("models", {}, () =>
  Effect.gen(function*() {
    const Models = yield* Layers.load(() => import("../Models.js"))
    const models = yield* Models.Models
    const { data } = yield* models.list()
    const rows = data.map((model) => [
      model.id,
      model.context_window === undefined ? "?" : model.context_window.toLocaleString("en-US"),
      model.supported_reasoning_levels?.map((level) => level.effort).join(" ") ?? "-",
      model.available_in_plans?.join(" ") ?? "-"
    ])
    yield* Console.log(Report.sanitize(table([["MODEL", "CONTEXT", "REASONING", "PLANS"], ...rows])))
  }).pipe(Effect.provide(Layers.client))).pipe(
    Command.withDescription("List the models this account may use: id, context window, reasoning levels, plans.")
  )
