/**
 * `codex-backend ask <prompt...> [--model M] [--instructions I] [--reasoning-effort E]
 * [--schema file.json] [--json] [--continue ID]`: streams an answer to stdout as it arrives
 * (`--json`: the collected Response; `--continue ID`: as the next turn of a stored
 * conversation, whose own settings apply).
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Effect, Option, Stream } from "effect"
import * as NodeFs from "node:fs"
import * as Chat from "./chat.js"
import * as Layers from "./layers.js"
import * as Report from "./report.js"

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
const effort = Options.text("reasoning-effort").pipe(
  Options.withDescription("The reasoning effort (low, medium, high...: see `codex-backend models`)."),
  Options.optional
)
const schema = Options.file("schema", { exists: "yes" }).pipe(
  Options.withDescription("A JSON Schema file: the answer is JSON that fits it (strict structured output)."),
  Options.optional
)
const json = Options.boolean("json").pipe(
  Options.withDescription("Print the collected Response as JSON instead of streaming the text.")
)
const continued = Options.text("continue").pipe(
  Options.withDescription(
    "Ask as the next turn of this stored conversation (see `codex-backend chat`); its own settings apply."
  ),
  Options.optional
)

/** The `text.format` for a JSON Schema file. */
const formatFrom = (path: string) =>
  Effect.try({
    try: () => {
      const schema: unknown = JSON.parse(NodeFs.readFileSync(path, "utf8"))
      if (typeof schema !== "object" || schema === null || Array.isArray(schema)) throw new Error("not a JSON object")
      const title: unknown = Reflect.get(schema, "title")
      const name = typeof title === "string" && /^[a-zA-Z0-9_-]+$/.test(title) ? title : "output"
      return { type: "json_schema" as const, name, schema: { ...schema }, strict: true }
    },
    catch: (cause) => new Error(`--schema ${path}: ${cause instanceof Error ? cause.message : String(cause)}`)
  })

const write = Report.writeOut

/** `--continue ID`: the prompt as the next turn of a stored conversation (its own settings apply). */
const continueConversation = (id: string, prompt: string) =>
  Effect.gen(function*() {
    const [Conversation] = yield* Layers.load(() => Promise.all([import("../Conversation.js")]))
    const conversation = yield* Effect.flatMap(Conversation.Conversations, (service) => service.resume(id))
    yield* Chat.streamTurn(conversation, prompt)
  }).pipe(Effect.provide(Chat.conversations))

/**
 * The `ask` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "ask",
  { prompt, model, instructions, effort, schema, json, continue: continued },
  (options) =>
    Option.isSome(options.continue) ?
      continueConversation(options.continue.value, options.prompt.join(" ")) :
      Effect.gen(function*() {
        const [Responses, ResponseStreamEvent] = yield* Layers.load(() =>
          Promise.all([import("../Responses.js"), import("../ResponseStreamEvent.js")])
        )
        const responses = yield* Responses.Responses
        const format = Option.isSome(options.schema) ? yield* formatFrom(options.schema.value) : undefined
        const params = {
          input: options.prompt.join(" "),
          ...Option.match(options.model, { onNone: () => ({}), onSome: (model) => ({ model }) }),
          ...Option.match(options.instructions, { onNone: () => ({}), onSome: (instructions) => ({ instructions }) }),
          ...Option.match(options.effort, { onNone: () => ({}), onSome: (effort) => ({ reasoning: { effort } }) }),
          ...(format === undefined ? {} : { text: { format } })
        }
        if (options.json) {
          const response = yield* responses.create(params)
          return yield* write(`${JSON.stringify(response, null, 2)}\n`)
        }
        yield* responses.stream(params).pipe(
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
