import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as NodeChild from "node:child_process"
import * as NodeFs from "node:fs/promises"
import * as NodePath from "node:path"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { TokenStore } from "../src/index.js"
import { seed, tempHome } from "./helpers.js"

const refresher = NodePath.join(import.meta.dirname, "fixtures", "refresher.ts")

const run = (env: Record<string, string>) =>
  Effect.async<{ errors: Array<string>; invalid: number }, Error>((resume) => {
    const child = NodeChild.spawn(process.execPath, ["--import", "tsx", refresher], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"]
    })
    let out = ""
    child.stdout.on("data", (d) => (out += d))
    child.on("exit", (code) => {
      try {
        resume(Effect.succeed(JSON.parse(out.trim().split("\n").pop() ?? "")))
      } catch {
        resume(Effect.fail(new Error(`refresher exited ${code}: ${out}`)))
      }
    })
    return Effect.sync(() => child.kill())
  })

describe("auth.json shared by two OS processes", () => {
  it.live("both refresh 50 times against the rotating issuer: the file stays valid, no token is reused or lost", () =>
    Effect.scoped(Effect.flatMap(tempHome, (dir) => Effect.gen(function*() {
      const emulator = yield* CodexEmulator.CodexEmulator
      yield* seed(yield* emulator.issuer.issue(3600))
      const env = { CODEX_HOME: dir, CODEX_AUTH_ISSUER: emulator.url, CODEX_BASE_URL: emulator.config.codexBaseUrl ?? "", ROUNDS: "50" }

      // Meanwhile, read the file as fast as we can: every read must parse (atomic renames).
      let reads = 0
      let torn = 0
      let running = true
      const watcher = (async () => {
        while (running) {
          const text = await NodeFs.readFile(NodePath.join(dir, "auth.json"), "utf8").catch(() => "missing")
          reads++
          try {
            JSON.parse(text)
          } catch {
            torn++
          }
          await new Promise((r) => setTimeout(r, 1))
        }
      })()
      const [a, b] = yield* Effect.all([run(env), run(env)], { concurrency: 2 })
      running = false
      yield* Effect.promise(() => watcher)

      assert.deepStrictEqual(a.errors, [], "process A")
      assert.deepStrictEqual(b.errors, [], "process B")
      assert.strictEqual(a.invalid + b.invalid, 0)
      assert.strictEqual(torn, 0, `${reads} concurrent reads`)
      const refreshes = yield* emulator.issuer.refreshRequests
      assert.isAtLeast(refreshes, 50, "every round refreshed or adopted a fresh rotation")

      // The stored refresh token is the live one: one more refresh succeeds.
      const store = yield* TokenStore.TokenStore
      const stored = yield* store.load
      const reply = yield* Effect.promise(() =>
        fetch(`${emulator.url}/oauth/token`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ client_id: "x", grant_type: "refresh_token", refresh_token: Redacted.value(stored?.refreshToken ?? Redacted.make("")) })
        })
      )
      assert.strictEqual(reply.status, 200, "no lost tokens: the file holds the latest rotation")
      const mode = (yield* Effect.promise(() => NodeFs.stat(NodePath.join(dir, "auth.json")))).mode & 0o777
      assert.strictEqual(mode, 0o600)
    }).pipe(Effect.provide(CodexEmulator.layerClient({ codexHome: dir }))))),
  60_000)
})
