#!/usr/bin/env node
/**
 * The `codex-backend` command:
 *
 * - `codex-backend login [--device] [--port N] [--no-browser]`: signs in (browser with
 *   PKCE, or the device code for headless machines) and writes `$CODEX_HOME/auth.json`.
 * - `codex-backend logout [--keep-token]`: revokes the refresh token, removes auth.json.
 * - `codex-backend ask [--model M] [--instructions I] <prompt>`: streams an answer.
 *
 * Configuration comes from the environment (see `CodexConfig.fromEnv`).
 *
 * @since 0.1.0
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Layer, Stream } from "effect"
import * as CodexClient from "../CodexClient.js"
import * as CodexConfig from "../CodexConfig.js"
import * as OAuth from "../OAuth.js"
import * as Responses from "../Responses.js"
import * as ResponseStreamEvent from "../ResponseStreamEvent.js"
import * as TokenStore from "../TokenStore.js"

const usage = `usage:
  codex-backend login [--device] [--port N] [--no-browser]
  codex-backend logout [--keep-token]
  codex-backend ask [--model MODEL] [--instructions TEXT] PROMPT...

login writes $CODEX_HOME/auth.json (default ~/.codex/auth.json), the file the Codex
CLI shares; --device signs in without a browser on this machine. ask streams the
answer of the Codex backend to stdout.`

const flag = (args: ReadonlyArray<string>, name: string) => args.includes(name)
const option = (args: ReadonlyArray<string>, name: string) => {
  const at = args.indexOf(name)
  return at === -1 ? undefined : args[at + 1]
}

const authLayer = TokenStore.layerFile().pipe(
  Layer.provideMerge(Layer.merge(CodexConfig.layerFromEnv(), NodeHttpClient.layerUndici))
)

const signedIn = (result: OAuth.LoginResult) =>
  Console.log(
    `Signed in${result.email === undefined ? "" : ` as ${result.email}`}${result.planType === undefined ? "" : ` (${result.planType})`}.`
  )

const login = (args: ReadonlyArray<string>) =>
  (flag(args, "--device")
    ? OAuth.loginDevice({
      onCode: (code) => Console.log(`Open ${code.verificationUrl} and enter the code ${code.userCode} (it expires in 15 minutes).`)
    })
    : OAuth.login({
      ...(option(args, "--port") === undefined ? {} : { port: Number(option(args, "--port")) }),
      openBrowser: !flag(args, "--no-browser"),
      onUrl: (url) => Console.log(`Open this URL to sign in (a browser should open):\n\n  ${url}\n`)
    })).pipe(Effect.flatMap(signedIn), Effect.provide(authLayer))

const logout = (args: ReadonlyArray<string>) =>
  OAuth.logout({ revoke: !flag(args, "--keep-token") }).pipe(
    Effect.zipRight(Console.log("Signed out; auth.json removed (this also signs out the Codex CLI).")),
    Effect.provide(authLayer)
  )

interface Ask {
  readonly model: string | undefined
  readonly instructions: string | undefined
  readonly prompt: string
}

const parseAsk = (rest: ReadonlyArray<string>): Ask | string => {
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

const [command, ...rest] = process.argv.slice(2)
const parsed = command === "ask" ? parseAsk(rest) : undefined
const program = command === "login"
  ? login(rest)
  : command === "logout"
  ? logout(rest)
  : parsed !== undefined && typeof parsed !== "string"
  ? Effect.provide(ask(parsed), CodexClient.layer)
  : undefined
if (program === undefined) {
  console.error(typeof parsed === "string" ? parsed : usage)
  process.exitCode = 2
} else {
  program.pipe(
    Effect.catchAll((error) =>
      Effect.zipRight(Console.error(`codex-backend: ${error.message}`), Effect.sync(() => (process.exitCode = 1)))
    ),
    NodeRuntime.runMain({ disableErrorReporting: true })
  )
}
