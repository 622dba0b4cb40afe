import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as NodeChild from "node:child_process"
import * as NodeFs from "node:fs/promises"
import * as Http from "node:http"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { TokenStore } from "../src/index.js"
import { layerClient, seed, tempHome } from "./helpers.js"

const refresher = NodePath.join(import.meta.dirname, "fixtures", "refresher.ts")
const stalledRefresher = NodePath.join(import.meta.dirname, "fixtures", "stalledRefresher.ts")

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
  it.live(
    "both refresh 50 times against the rotating issuer: the file stays valid, no token is reused or lost",
    () =>
      Effect.scoped(Effect.flatMap(tempHome, (dir) =>
        Effect.gen(function*() {
          const emulator = yield* CodexEmulator.CodexEmulator
          yield* seed(yield* emulator.issuer.issue(3600))
          const env = {
            CODEX_HOME: dir,
            CODEX_AUTH_ISSUER: emulator.url,
            CODEX_BASE_URL: emulator.config.codexBaseUrl ?? "",
            ROUNDS: "50"
          }

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
              body: JSON.stringify({
                client_id: "x",
                grant_type: "refresh_token",
                refresh_token: Redacted.value(stored?.refreshToken ?? Redacted.make(""))
              })
            })
          )
          assert.strictEqual(reply.status, 200, "no lost tokens: the file holds the latest rotation")
          const mode = (yield* Effect.promise(() => NodeFs.stat(NodePath.join(dir, "auth.json")))).mode & 0o777
          assert.strictEqual(mode, 0o600)
        }).pipe(Effect.provide(layerClient({ codexHome: dir }))))),
    60_000
  )
})

/** Runs the stalled-issuer fixture; kills it after `guard` ms. */
const runStalled = (env: Record<string, string>, guard: number) =>
  Effect.async<string>((resume) => {
    const child = NodeChild.spawn(process.execPath, ["--import", "tsx", stalledRefresher], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"]
    })
    let out = ""
    child.stdout.on("data", (d) => (out += d))
    const timer = setTimeout(() => child.kill(), guard)
    child.on("exit", () => {
      clearTimeout(timer)
      const line = out.trim().split("\n").pop() ?? ""
      resume(Effect.succeed(line === "" ? "killed" : String(JSON.parse(line).outcome)))
    })
    return Effect.sync(() => child.kill())
  })

describe("the auth.json lock with a stalled issuer", () => {
  it.live(
    "two processes, an issuer that never answers: no refresh token is ever sent twice",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const dir = yield* Effect.acquireRelease(
          Effect.promise(() => NodeFs.mkdtemp(NodePath.join(NodeOs.tmpdir(), "codex-stall-"))),
          (d) => Effect.promise(() => NodeFs.rm(d, { recursive: true, force: true }))
        )
        // The issuer counts every refresh token it receives and never answers.
        const received = new Map<string, number>()
        const server = yield* Effect.acquireRelease(
          Effect.async<Http.Server>((resume) => {
            const s = Http.createServer((request, _response) => {
              let body = ""
              request.on("data", (d) => (body += d))
              request.on("end", () => {
                const token = String(JSON.parse(body || "{}").refresh_token)
                received.set(token, (received.get(token) ?? 0) + 1)
              })
            })
            s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
          }),
          (s) =>
            Effect.promise(() =>
              new Promise<void>((r) => {
                s.closeAllConnections()
                s.close(() => r())
              })
            )
        )
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        const expired = CodexEmulator.fakeJwt({
          exp: 1,
          "https://api.openai.com/auth": { chatgpt_account_id: "acct_s" }
        })
        yield* Effect.promise(() =>
          NodeFs.writeFile(
            NodePath.join(dir, "auth.json"),
            JSON.stringify({
              OPENAI_API_KEY: null,
              tokens: {
                id_token: expired,
                access_token: expired,
                refresh_token: "rt_single_use",
                account_id: "acct_s"
              },
              last_refresh: new Date().toISOString()
            }),
            { mode: 0o600 }
          )
        )
        // The refresh timeout (2.5 s) outlives the lock's staleness (1 s): only renewal keeps the lock.
        const env = {
          CODEX_HOME: dir,
          CODEX_AUTH_ISSUER: `http://127.0.0.1:${port}`,
          REFRESH_TIMEOUT_MS: "2500",
          LOCK_STALE_MS: "1000",
          LOCK_TIMEOUT_MS: "8000"
        }
        const outcomes = yield* Effect.all([runStalled(env, 25_000), runStalled(env, 25_000)], { concurrency: 2 })
        const counts = Object.fromEntries(received)
        assert.isAtLeast(received.get("rt_single_use") ?? 0, 1, "the refresh was attempted")
        for (const [token, count] of received) {
          assert.strictEqual(
            count,
            1,
            `${token} sent ${count} times: ${JSON.stringify(counts)} ${JSON.stringify(outcomes)}`
          )
        }
        assert.notInclude(outcomes, "killed", "both processes gave up by themselves")
        assert.notInclude(outcomes, "ok", JSON.stringify(outcomes))
      })),
    45_000
  )
})
