#!/usr/bin/env node
/**
 * The `codex-backend` command, on `@effect/cli`. Each command lives in its own file
 * (`login.ts`, `logout.ts`, `status.ts`, `ask.ts`, `models.ts`, `usage.ts`, `batch.ts`,
 * `emulator.ts`); adding one is an import and a
 * `register(...)` line in `commands` below.
 *
 * Every failure, defects included, prints one line on stderr (`codex-backend: ...`) and
 * exits non-zero: 2 for a usage error, 1 otherwise, 130 when interrupted. `--help` (on
 * every command) and `--version` print to stdout.
 *
 * Configuration comes from the environment (see `CodexConfig.layerFromEnv`).
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import { Console, Effect, Exit, FiberRef, Layer, Logger } from "effect"
import * as NodeFs from "node:fs"
import * as Ask from "./ask.js"
import * as Batch from "./batch.js"
import * as Chat from "./chat.js"
import * as Emulator from "./emulator.js"
import * as Login from "./login.js"
import * as Logout from "./logout.js"
import * as Models from "./models.js"
import * as Report from "./report.js"
import * as Status from "./status.js"
import * as Usage from "./usage.js"

// The console of the process, for the commands' own output (see `terminalConsole`).
const processConsole = FiberRef.unsafeMake<Console.Console | undefined>(undefined)

/** A command with the process's console (the parser's console swallows errors). */
const register = <Name extends string, R, E, A>(command: Command.Command<Name, R, E, A>) =>
  Command.transformHandler(
    command,
    (handler) =>
      Effect.flatMap(FiberRef.get(processConsole), (console) =>
        console === undefined ? handler : Effect.withConsole(handler, console))
  )

const commands = [
  register(Login.command),
  register(Logout.command),
  register(Status.command),
  register(Ask.command),
  register(Chat.command),
  register(Models.command),
  register(Usage.command),
  register(Batch.command),
  register(Emulator.command)
] as const

const version = (() => {
  try {
    const pkg: unknown = JSON.parse(NodeFs.readFileSync(new URL("../../package.json", import.meta.url), "utf8"))
    const value: unknown = typeof pkg === "object" && pkg !== null ? Reflect.get(pkg, "version") : undefined
    return typeof value === "string" ? value : "unknown"
  } catch {
    return "unknown"
  }
})()

const root = Command.make("codex-backend", {}, () => new Report.MissingCommand()).pipe(
  Command.withDescription(
    "The ChatGPT Codex backend from a terminal. Configuration comes from the environment: CODEX_HOME, CODEX_BASE_URL, CODEX_AUTH_ISSUER, CODEX_MODEL..."
  ),
  Command.withSubcommands(commands)
)

const cli = Command.run(root, { name: "codex-backend", version })

const plain = process.stdout.isTTY !== true || process.env["NO_COLOR"] !== undefined

// @effect/cli prints its parse errors with `Console.error` as multi-line help text; they
// are reported below instead, as one line, like every other failure. Its help is plain
// text (no ANSI colours) when stdout is not a terminal or NO_COLOR is set. The commands
// themselves get the process's console back (`register`).
const terminalConsole = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Console.consoleWith((console) =>
    Effect.withConsole(self, {
      ...console,
      log: (...args) =>
        console.log(...(plain ? args.map((arg) => (typeof arg === "string" ? Report.stripAnsi(arg) : arg)) : args)),
      error: () => Effect.void
    }).pipe(Effect.locally(processConsole, console))
  )

// Log lines (a failed revoke on logout...) go to stderr, one line each.
const stderrLogger = Logger.make(({ logLevel, message }) => {
  const text = Array.isArray(message) ? message.map(String).join(" ") : String(message)
  process.stderr.write(`codex-backend: ${logLevel.label.toLowerCase()}: ${Report.oneLine(text)}\n`)
})

cli(process.argv).pipe(
  terminalConsole,
  Effect.catchAllCause((cause) =>
    Effect.sync(() => {
      const [line, code] = Report.report(cause)
      process.stderr.write(`codex-backend: ${line}\n`)
      process.exitCode = code
    })
  ),
  Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer)),
  Effect.provide(Logger.replace(Logger.defaultLogger, stderrLogger)),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    // Logs go to stderr through our logger only: runMain's pretty logger would print each
    // line a second time, on stdout, which carries a command's output alone.
    disablePrettyLogger: true,
    // Failures were reported above; what is left is an interruption (Ctrl-C, SIGTERM).
    teardown: (exit, onExit) => {
      if (Exit.isSuccess(exit)) return onExit(0)
      const [line, code] = Report.report(exit.cause)
      process.stderr.write(`codex-backend: ${line}\n`)
      onExit(code)
    }
  })
)
