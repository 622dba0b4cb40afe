/**
 * `codex-backend chat [--resume ID] [--model M] [--instructions I]`: an interactive
 * conversation in the terminal. Answers stream as they arrive; `/compact` compacts,
 * `/exit` (or the end of input) stops. Conversations are stored in
 * `$CODEX_HOME/conversations/<id>.jsonl`; the id is printed so that `chat --resume ID` or
 * `ask --continue ID` goes on with it.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import type * as FileSystem from "@effect/platform/FileSystem"
import type { ConfigError } from "effect"
import { Effect, Layer, Option, Stream } from "effect"
import * as NodePath from "node:path"
import * as NodeReadline from "node:readline"
import type * as Conversation from "../Conversation.js"
import * as Layers from "./layers.js"
import * as Report from "./report.js"

const resume = Options.text("resume").pipe(
  Options.withDescription("Go on with the conversation of this id (printed by an earlier chat)."),
  Options.optional
)
const model = Options.text("model").pipe(
  Options.withDescription("The model of a new conversation (default: CODEX_MODEL, or gpt-5.4)."),
  Options.optional
)
const instructions = Options.text("instructions").pipe(
  Options.withDescription("System instructions of a new conversation."),
  Options.optional
)

const write = Report.writeOut

/**
 * The conversations of `$CODEX_HOME/conversations/`, over the whole live stack.
 *
 * @since 0.1.0
 * @category layers
 */
export const conversations: Layer.Layer<
  Conversation.Conversations,
  ConfigError.ConfigError,
  FileSystem.FileSystem
> = Layer.unwrapEffect(
  Effect.map(
    Layers.load(() => Promise.all([import("../Conversation.js"), import("../CodexConfig.js")])),
    ([Conversation, CodexConfig]) =>
      Layer.unwrapEffect(
        Effect.map(CodexConfig.CodexConfig, (config) =>
          Conversation.layerFileSystem(NodePath.join(config.codexHome, "conversations")))
      ).pipe(Layer.provide(Layers.client))
  )
)

/**
 * Streams one turn's text to stdout.
 *
 * @since 0.1.0
 * @category turns
 */
export const streamTurn = (conversation: Conversation.Conversation, input: string) =>
  Effect.flatMap(
    Layers.load(() => import("../ResponseStreamEvent.js")),
    (ResponseStreamEvent) =>
      conversation.stream(input).pipe(
        Stream.map(ResponseStreamEvent.textDelta),
        Stream.runForEach((delta) => (delta === undefined ? Effect.void : write(delta))),
        Effect.zipRight(write("\n"))
      )
  )

/**
 * The `chat` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "chat",
  { resume, model, instructions },
  (options) =>
    Effect.gen(function*() {
      const [Conversation] = yield* Layers.load(() => Promise.all([import("../Conversation.js")]))
      const service = yield* Conversation.Conversations
      const conversation = Option.isSome(options.resume)
        ? yield* service.resume(options.resume.value)
        : yield* service.start({
          ...Option.match(options.model, { onNone: () => ({}), onSome: (model) => ({ model }) }),
          ...Option.match(options.instructions, { onNone: () => ({}), onSome: (instructions) => ({ instructions }) })
        })
      yield* write(`conversation ${conversation.id} (/compact compacts, /exit stops)\n`)
      const lines = yield* Effect.acquireRelease(
        Effect.sync(() => NodeReadline.createInterface({ input: process.stdin, terminal: false })),
        (rl) => Effect.sync(() => rl.close())
      )
      const next = lines[Symbol.asyncIterator]()
      for (;;) {
        if (process.stdin.isTTY === true) yield* write("> ")
        const read = yield* Effect.promise(() => next.next())
        if (read.done === true) break
        const line = String(read.value).trim()
        if (line === "") continue
        if (line === "/exit") break
        const turn = line === "/compact"
          ? Effect.flatMap(conversation.compact, (done) =>
            write(
              `compacted: ${done.itemsBefore} items (≈${done.tokensBefore} tokens) → ${done.itemsAfter} (≈${done.tokensAfter})\n`
            ))
          : streamTurn(conversation, line)
        // A failed turn changes nothing: say why and go on.
        yield* Effect.catchAll(turn, (error) =>
          Effect.sync(() => process.stderr.write(`codex-backend: ${Report.oneLine(error.message)}\n`)))
      }
      yield* write(`conversation ${conversation.id}: resume with codex-backend chat --resume ${conversation.id}\n`)
    }).pipe(Effect.scoped, Effect.provide(conversations))
).pipe(
  Command.withDescription(
    "An interactive conversation (history kept, compacted when the context fills up), stored in $CODEX_HOME/conversations."
  )
)
