import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as NodeChild from "node:child_process"
import * as NodeFs from "node:fs/promises"
import * as NodeHttp from "node:http"
import * as NodePath from "node:path"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { tempHome } from "./helpers.js"

const main = NodePath.join(import.meta.dirname, "..", "src", "cli", "main.ts")

const cli = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  Effect.async<{ code: number | null; stdout: string; stderr: string }>((resume) => {
    const child = NodeChild.spawn(process.execPath, ["--import", "tsx", main, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += d))
    child.stderr.on("data", (d) => (stderr += d))
    child.on("exit", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    return Effect.sync(() => child.kill())
  })

describe("the codex-backend command, against the emulator", () => {
  it.live("login --device, ask, logout; errors are one clear line, not a stack trace", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempHome
      const emulator = yield* CodexEmulator.make({ deviceInterval: 0 })
      const env = {
        CODEX_HOME: dir,
        CODEX_AUTH_ISSUER: emulator.url,
        CODEX_BASE_URL: emulator.config.codexBaseUrl ?? "",
        CODEX_CHATGPT_BASE_URL: emulator.config.chatgptBaseUrl ?? ""
      }
      const signedOut = yield* cli(["ask", "hello"], env)
      assert.strictEqual(signedOut.code, 1)
      assert.match(signedOut.stderr.trim(), /^codex-backend: No usable ChatGPT credentials\..*auth\.json/)
      assert.notInclude(signedOut.stderr, "    at ")

      const login = yield* cli(["login", "--device"], env)
      assert.strictEqual(login.code, 0, login.stderr)
      assert.match(login.stdout, /enter the code \S{4}-\S{4}/)
      assert.include(login.stdout, "Signed in as user@example.com (plus).")
      assert.include(yield* Effect.promise(() => NodeFs.readdir(dir)), "auth.json")

      const ask = yield* cli(["ask", "--model", "gpt-5.4", "hello", "there"], env)
      assert.strictEqual(ask.code, 0, ask.stderr)
      assert.strictEqual(ask.stdout, "You said: hello there\n")

      // a busy callback port: one clear line
      const blocker = NodeHttp.createServer()
      yield* Effect.acquireRelease(
        Effect.promise(() => new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()))),
        () => Effect.promise(() => new Promise<void>((r) => blocker.close(() => r())))
      )
      const port = String((blocker.address() as { port: number }).port)
      const busy = yield* cli(["login", "--port", port, "--no-browser"], env)
      assert.strictEqual(busy.code, 1)
      assert.include(busy.stderr, `Port 127.0.0.1:${port} is already in use`)
      assert.notInclude(busy.stderr, "    at ")

      const logout = yield* cli(["logout"], env)
      assert.strictEqual(logout.code, 0, logout.stderr)
      assert.notInclude(yield* Effect.promise(() => NodeFs.readdir(dir)), "auth.json")
      assert.strictEqual(yield* emulator.issuer.revocations, 1)
    })), 60_000)
})
