/**
 * `codex-backend batch <in.jsonl> <out.jsonl> [--concurrency N] [--model M] [--fail-fast]`:
 * a resumable batch job (see `Batch.runFile`), with a live progress line on a terminal and
 * plain periodic lines otherwise. Ctrl-C stops it after the requests in flight are written.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Clock, Console, Effect, Option } from "effect"
import type { Progress } from "../Batch.js"
import * as Layers from "./layers.js"

const input = Args.file({ name: "in.jsonl", exists: "yes" }).pipe(
  Args.withDescription("One request per line: {\"id\": \"...\", \"input\": \"...\", ...responses.create params}.")
)
const output = Args.file({ name: "out.jsonl" }).pipe(
  Args.withDescription("Results are appended here, one per line; ids already answered ok are skipped on a rerun.")
)
const concurrency = Options.integer("concurrency").pipe(
  Options.withDescription("Requests in flight at once (default 4)."),
  Options.withDefault(4)
)
const model = Options.text("model").pipe(
  Options.withDescription("The model for requests that name none."),
  Options.optional
)
const failFast = Options.boolean("fail-fast").pipe(
  Options.withDescription("Stop at the first failed request, or at a usage limit, instead of going on or pausing.")
)

const clock = (date: Date) => date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })

/**
 * The progress line: done / failed / in flight / paused until HH:MM.
 *
 * @since 0.1.0
 * @category formatting
 */
export const progressLine = (p: Progress): string =>
  [
    `${p.ok} done`,
    `${p.failed} failed`,
    `${p.inFlight} in flight`,
    ...(p.skipped === 0 ? [] : [`${p.skipped} skipped`]),
    ...(p.pausedUntil === undefined ? [] : [`paused until ${clock(p.pausedUntil)} (usage limit)`])
  ].join(" · ")

/**
 * The `batch` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "batch",
  { input, output, concurrency, model, failFast },
  (options) =>
    Effect.gen(function*() {
      if (options.concurrency < 1) {
        return yield* Effect.fail(new Error(`--concurrency must be at least 1 (got ${options.concurrency})`))
      }
      const Batch = yield* Layers.load(() => import("../Batch.js"))
      const tty = process.stderr.isTTY === true
      let last = 0
      let paused: Date | undefined
      const show = (p: Progress) =>
        Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          const pauseChanged = p.pausedUntil?.getTime() !== paused?.getTime()
          paused = p.pausedUntil
          if (!pauseChanged && now - last < (tty ? 100 : 5000)) return
          last = now
          // The live line is on stderr, so stdout stays the summary alone.
          yield* Effect.sync(() => process.stderr.write(tty ? `\r\u001b[2K${progressLine(p)}` : `${progressLine(p)}\n`))
        })
      const summary = yield* Batch.runFile(options.input, options.output, {
        concurrency: options.concurrency,
        failFast: options.failFast,
        ...Option.match(options.model, { onNone: () => ({}), onSome: (model) => ({ defaults: { model } }) }),
        onProgress: show
      }).pipe(Effect.ensuring(Effect.sync(() => tty && process.stderr.write("\n"))))
      yield* Console.log(
        `${summary.ok} ok, ${summary.failed} failed, ${summary.skipped} skipped (answered before), ${summary.tokens} tokens used`
      )
      if (summary.stopReason !== undefined) {
        return yield* Effect.fail(
          new Error(
            `stopped: ${summary.stopReason}; ${summary.remaining.length} request(s) left, run again to continue`
          )
        )
      }
    }).pipe(Effect.provide(Layers.client))
).pipe(
  Command.withDescription(
    "Run every request of a JSONL file into a JSONL file: concurrent, pausing at usage limits, resumable (a rerun skips what is done)."
  )
)
