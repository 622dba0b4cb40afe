/**
 * `codex-backend emulator [--port N] [--script FILE] [--log FILE]`: serves the built-in
 * emulator on loopback and prints the environment lines that point this command, or any
 * app on the SDK, at it, with a fresh temporary `CODEX_HOME` (so a sign-in never touches
 * the real `~/.codex/auth.json`). `--script` serves one reply per `/responses` request from a JSONL
 * file; `--log` appends one JSON line per request (method, path, status, body).
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Console, Effect } from "effect"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import * as Layers from "./layers.js"

const port = Options.integer("port").pipe(
  Options.withDescription("The port to listen on (default: any free port); always on 127.0.0.1."),
  Options.withDefault(0)
)

const script = Options.file("script", { exists: "yes" }).pipe(
  Options.withDescription(
    "A JSONL file: one reply per /responses request, in order ({\"text\"}, {\"function_call\"}, {\"usage_limit\"}, {\"http\"}); unscripted requests get the default answer."
  ),
  Options.optional
)

const log = Options.file("log").pipe(
  Options.withDescription("Append one JSON line per request to this file: method, path, status, body."),
  Options.optional
)

/**
 * The `emulator` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("emulator", { port, script, log }, (options) =>
  Effect.gen(function*() {
    if (!(Number.isInteger(options.port) && options.port >= 0 && options.port <= 65535)) {
      return yield* Effect.fail(new Error(`--port must be from 0 to 65535 (got ${options.port})`))
    }
    const CodexEmulator = yield* Layers.load(() => import("../CodexEmulator.js"))
    const { parseScript } = yield* Layers.load(() => import("../internal/emulator/scriptFile.js"))
    const replies = options.script._tag === "Some"
      ? parseScript(NodeFs.readFileSync(options.script.value, "utf8"), Date.now())
      : []
    if (typeof replies === "string") return yield* Effect.fail(new Error(`--script: ${replies}`))
    const logFile = options.log._tag === "Some" ? options.log.value : undefined
    const emulator = yield* CodexEmulator.make({
      port: options.port,
      ...(logFile === undefined
        ? {}
        : { onRequest: (entry) => NodeFs.appendFileSync(logFile, `${JSON.stringify(entry)}\n`) })
    })
    yield* emulator.script(...replies)
    // A fresh CODEX_HOME: signing in to the emulator must never touch the user's real
    // ~/.codex/auth.json (shared with the Codex CLI). Removed when the emulator stops.
    const home = yield* Effect.acquireRelease(
      Effect.sync(() => NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "codex-emulator-home-"))),
      (dir) => Effect.sync(() => NodeFs.rmSync(dir, { recursive: true, force: true }))
    )
    yield* Console.log(
      [
        `CODEX_HOME=${home}`,
        `CODEX_BASE_URL=${emulator.config.codexBaseUrl ?? ""}`,
        `CODEX_CHATGPT_BASE_URL=${emulator.config.chatgptBaseUrl ?? ""}`,
        `CODEX_OPENAI_BASE_URL=${emulator.config.openaiBaseUrl ?? ""}`,
        `CODEX_AUTH_ISSUER=${emulator.config.authIssuer ?? ""}`
      ].join("\n")
    )
    yield* Effect.logInfo(
      `The emulator listens on ${emulator.url}; export the lines above (CODEX_HOME is a fresh directory, removed on exit), then \`codex-backend login --device\`. Ctrl-C stops it.`
    )
    return yield* Effect.never
  }).pipe(Effect.scoped)).pipe(
    Command.withDescription(
      "Serve the built-in backend emulator on loopback and print the environment that points the SDK at it."
    )
  )
