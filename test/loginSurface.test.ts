/**
 * The login surface: the callback server, the device flow, the token endpoint.
 */
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Clock, Deferred, Effect, Fiber, Layer, TestClock } from "effect"
import * as Http from "node:http"
import type * as CodexEmulator from "../src/CodexEmulator.js"
import * as CodexTransport from "../src/CodexTransport.js"
import { CodexConfig, OAuth, TokenStore } from "../src/index.js"
import { serve } from "./hardeningHelpers.js"
import { layerClient, tempHome } from "./helpers.js"

const withHome = <A, E, R>(f: (dir: string) => Effect.Effect<A, E, R>, options: CodexEmulator.Options = {}) =>
  Effect.scoped(
    Effect.flatMap(
      tempHome,
      (dir) => f(dir).pipe(Effect.provide(layerClient({ ...options, codexHome: dir })))
    )
  )

const get = (url: string, headers: Record<string, string> = {}) =>
  Effect.promise(() =>
    new Promise<{ status: number; headers: Http.IncomingHttpHeaders; text: string }>((resolve, reject) => {
      const request = Http.get(url, { headers }, (response) => {
        let text = ""
        response.on("data", (d) => (text += d))
        response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }))
      })
      request.on("error", reject)
    })
  )

/** Starts a browser login; returns its fiber, port and state. */
const startLogin = (options: Partial<OAuth.LoginOptions> = {}) =>
  Effect.gen(function*() {
    const urls = yield* Deferred.make<string>()
    const fiber = yield* Effect.fork(
      OAuth.login({ port: 0, openBrowser: false, onUrl: (u) => Deferred.succeed(urls, u), ...options })
    )
    const url = new URL(yield* Deferred.await(urls))
    const port = new URL(url.searchParams.get("redirect_uri") ?? "").port
    return { fiber, port, state: url.searchParams.get("state") ?? "", authorize: url.toString() }
  })

describe("5. the login surface", () => {
  it.live("the callback pages escape what they show and forbid everything with a CSP", () =>
    withHome(() =>
      Effect.gen(function*() {
        const { fiber, port, state } = yield* startLogin()
        const page = yield* get(
          `http://127.0.0.1:${port}/auth/callback?state=${state}&error=access_denied&error_description=${
            encodeURIComponent("<script>alert(1)</script><img src=x>")
          }`
        )
        assert.notInclude(page.text, "<script>")
        assert.notInclude(page.text, "<img")
        assert.include(page.text, "&lt;script&gt;")
        assert.strictEqual(page.headers["content-security-policy"], "default-src 'none'")
        const error = yield* Effect.flip(Fiber.join(fiber))
        assert.isTrue(error._tag === "LoginFailed" && error.reason === "access_denied", String(error))
      })
    ))

  it.live("/cancel needs the login's state; a foreign Host or a cross-site request is refused; none of them ends the login", () =>
    withHome(() =>
      Effect.gen(function*() {
        const { fiber, port, state, authorize } = yield* startLogin()
        const base = `http://127.0.0.1:${port}`
        for (const path of ["/cancel", "/success/../cancel", "/cancel?state=wrong", `/cancel?state=${state}x`]) {
          const reply = yield* get(`${base}${path}`)
          assert.notStrictEqual(reply.status, 200, path)
        }
        const rebound = yield* get(`${base}/cancel?state=${state}`, { host: "evil.example:80" })
        assert.notStrictEqual(rebound.status, 200, "DNS rebinding: a foreign Host header")
        const crossSite = yield* get(`${base}/cancel?state=${state}`, { "sec-fetch-site": "cross-site" })
        assert.notStrictEqual(crossSite.status, 200, "cross-site")
        assert.isNull(
          yield* Fiber.poll(fiber).pipe(Effect.map((o) => (o._tag === "Some" ? "ended" : null))),
          "the login goes on"
        )
        // the real browser still signs in
        const landed = yield* Effect.promise(() => fetch(authorize, { redirect: "follow" }).then((r) => r.text()))
        assert.include(landed, "Signed in to Codex")
        const result = yield* Fiber.join(fiber)
        assert.strictEqual(result.accountId, "acct_emulated")
      })
    ))

  it.live("/cancel with the login's state cancels it", () =>
    withHome(() =>
      Effect.gen(function*() {
        const { fiber, port, state } = yield* startLogin()
        const reply = yield* get(`http://localhost:${port}/cancel?state=${state}`)
        assert.strictEqual(reply.status, 200)
        const error = yield* Effect.flip(Fiber.join(fiber))
        assert.isTrue(error._tag === "LoginFailed" && error.reason === "cancelled", String(error))
      })
    ))

  it.live(
    "a login fails when ::1 is available but its port is held by another process",
    () =>
      withHome(() =>
        Effect.gen(function*() {
          const squatter = yield* Effect.either(serve(() => undefined, "::1"))
          if (squatter._tag === "Left") return // no IPv6 loopback here
          const { port } = squatter.right
          const error = yield* Effect.flip(
            OAuth.login({ port, openBrowser: false, onUrl: () => Effect.void, timeout: "2 seconds" })
          )
          assert.isTrue(error._tag === "LoginFailed" && error.reason === "port_in_use", error.message)
          assert.include(error.message, "::1")
        })
      ),
    15_000
  )

  it.effect("device-code polling: at least 1 s apart whatever the interval, and slow_down adds 5 s (TestClock)", () =>
    Effect.scoped(Effect.gen(function*() {
      let polls = 0
      const { url } = yield* serve((request, _body, response) => {
        response.setHeader("content-type", "application/json")
        if (request.url === "/api/accounts/deviceauth/usercode") {
          return response.end(JSON.stringify({ device_auth_id: "dev_1", user_code: "ABCD-EFGH", interval: "0" }))
        }
        polls++
        if (polls === 1) {
          response.statusCode = 400
          return response.end(JSON.stringify({ error: "slow_down" }))
        }
        response.statusCode = 403
        response.end(JSON.stringify({ error: "authorization_pending" }))
      })
      const realWait = (ms: number) => Effect.promise(() => new Promise((r) => setTimeout(r, ms)))
      /** Waits (real time, up to 5 s) until `polls` is reached and the login sleeps `ms` on the test clock. */
      const settled = (expectedPolls: number, ms: number) =>
        Effect.gen(function*() {
          for (let i = 0; i < 500; i++) {
            const now = yield* Clock.currentTimeMillis
            const sleeps = Chunk.toReadonlyArray(yield* TestClock.sleeps())
            if (polls === expectedPolls && sleeps.includes(now + ms)) return
            yield* realWait(10)
          }
          assert.fail(`expected ${expectedPolls} poll(s), then a ${ms} ms wait; saw ${polls} poll(s)`)
        })
      const fiber = yield* Effect.fork(
        OAuth.loginDevice({ onCode: () => Effect.void }).pipe(
          Effect.provide(Layer.mergeAll(
            CodexConfig.layer({ authIssuer: url }),
            TokenStore.layerMemory(),
            CodexTransport.layerUndici
          ))
        )
      )
      yield* settled(0, 1000) // interval "0" → 1 s
      yield* TestClock.adjust("1 second")
      yield* settled(1, 6000) // slow_down → 1 + 5 s
      yield* TestClock.adjust("5 seconds")
      yield* realWait(100)
      assert.strictEqual(polls, 1, "no poll before the slowed-down interval")
      yield* TestClock.adjust("1 second")
      yield* settled(2, 6000) // the slowed-down interval stays
      yield* TestClock.adjust("5 seconds")
      yield* realWait(100)
      assert.strictEqual(polls, 2)
      yield* TestClock.adjust("1 second")
      yield* settled(3, 6000)
      yield* Fiber.interrupt(fiber)
    })))
})
