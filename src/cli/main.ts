#!/usr/bin/env node
/**
 * The `codex-backend` command. For now: `codex-backend ask [--model M] [--instructions I] <prompt>`,
 * which streams the answer to stdout using the credentials in `$CODEX_HOME/auth.json` and
 * the configuration in the environment (see `CodexConfig.fromEnv`).
 *
 * @since 0.1.0
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Stream } from "effect"
import * as CodexClient from "../CodexClient.js"
import * as Responses from "../Responses.js"
import * as ResponseStreamEvent from "../ResponseStreamEvent.js"

const usage = `usage: codex-backend ask [--model MODEL] [--instructions TEXT] PROMPT...

Streams the answer of the Codex backend to stdout. Credentials come from
$CODEX_HOME/auth.json (default ~/.codex/auth.json, written by \`codex login\`).`

interface Ask {
  readonly model: string | undefined
  readonly instructions: string | undefined
  readonly prompt: string
}

const parse = (args: ReadonlyArray<string>): Ask | string => {
  const [command, ...rest] = args
  if (command !== "ask") return usage
  let model: string | undefined
  let instructions: string | undefined
  const words: Array<string> = []
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]
    if (arg === "--model") model = rest[++i]
    else if (arg === "--instructions") instructions = rest[++i]
    else if (arg !== undefined) words.push(arg)
  }
  return words.length === 0 ? usage : { model, instructions, prompt: words.join(" ") }
}

const ask = (options: Ask) =>
  Effect.gen(function*() {
    const responses = yield* Responses.Responses
    yield* responses.stream({
      input: options.prompt,
      ...(options.model === undefined ? {} : { model: options.model }),
      ...(options.instructions === undefined ? {} : { instructions: options.instructions })
    }).pipe(
      Stream.map(ResponseStreamEvent.textDelta),
      Stream.runForEach((delta) => (delta === undefined ? Effect.void : Effect.sync(() => process.stdout.write(delta))))
    )
    yield* Console.log("")
  })

const parsed = parse(process.argv.slice(2))
if (typeof parsed === "string") {
  console.error(parsed)
  process.exitCode = 2
} else {
  ask(parsed).pipe(
    Effect.catchAll((error) =>
      Effect.zipRight(Console.error(`codex-backend: ${error.message}`), Effect.sync(() => (process.exitCode = 1)))
    ),
    Effect.provide(CodexClient.layer),
    NodeRuntime.runMain({ disableErrorReporting: true })
  )
}
