/**
 * `codex-backend ask <prompt...> [--model M] [--instructions I]`: streams an answer to
 * stdout as it arrives.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Effect, Option, Stream } from "effect"
import * as Layers from "./layers.js"

const prompt = Args.text({ name: "prompt" }).pipe(
  Args.withDescription("The prompt; several words are joined with spaces."),
  Args.atLeast(1)
)
const model = Options.text("model").pipe(
  Options.withDescription("The model (default: CODEX_MODEL, or gpt-5.4)."),
  Options.optional
)
const instructions = Options.text("instructions").pipe(
  Options.withDescription("System instructions for the model."),
  Options.optional
)

const write = (text: string) => Effect.sync(() => process.stdout.write(text))

/**
 * The `ask` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "ask",
  { prompt, model, instructions },
  (options) =>
    Effect.gen(function*() {
      const [Responses, ResponseStreamEvent] = yield* Layers.load(() =>
        Promise.all([import("../Responses.js"), import("../ResponseStreamEvent.js")])
      )
      const responses = yield* Responses.Responses
      yield* responses.stream({
        input: options.prompt.join(" "),
        ...Option.match(options.model, { onNone: () => ({}), onSome: (model) => ({ model }) }),
        ...Option.match(options.instructions, { onNone: () => ({}), onSome: (instructions) => ({ instructions }) })
      }).pipe(
        Stream.map(ResponseStreamEvent.textDelta),
        Stream.runForEach((delta) => (delta === undefined ? Effect.void : write(delta)))
      )
      yield* write("\n")
    }).pipe(Effect.provide(Layers.client))
).pipe(
  Command.withDescription(
    "Ask the Codex backend and stream the answer to stdout, with the credentials of $CODEX_HOME/auth.json."
  )
)
