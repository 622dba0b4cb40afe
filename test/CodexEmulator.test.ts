/** The public emulator module (`CodexEmulator`): its guards when left running (Host, redirects, body and record bounds, a log without tokens). Its backend rules: `emulatorRules.test.ts`. */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Http from "node:http"
import * as CodexEmulator from "../src/CodexEmulator.js"
import type { CodexConfig } from "../src/index.js"
import { Responses } from "../src/index.js"
import { layerClient, recordingTracer } from "./helpers.js"

/** One raw request to the emulator, with any Host header and body; the status and body of the answer. */
const raw = (
  url: string,
  init: {
    readonly method?: string
    readonly path: string
    readonly headers?: Record<string, string>
    readonly body?: string | Buffer
  }
) =>
  Effect.async<{ status: number; body: string; location: string | undefined }, Error>((resume) => {
    const target = new URL(url)
    const request = Http.request({
      host: target.hostname,
      port: target.port,
      method: init.method ?? "GET",
      path: init.path,
      headers: init.headers ?? {}
    }, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("end", () =>
        resume(
          Effect.succeed({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
            location: response.headers.location
          })
        ))
    })
    request.on("error", (error) => resume(Effect.fail(error)))
    request.end(init.body)
  })

const bearer = {
  authorization: `Bearer ${CodexEmulator.fakeJwt({ exp: 4102444800 })}`,
  "chatgpt-account-id": "acct_emulated"
}

describe("the emulator left running (hardening round 2)", () => {
  it.scoped("a Host other than its loopback names (DNS rebinding) gets 421, over HTTP and the WebSocket handshake", () =>
    Effect.gen(function*() {
      const emulator = yield* CodexEmulator.make()
      const port = new URL(emulator.url).port
      const ok = yield* raw(emulator.url, {
        path: "/backend-api/wham/usage",
        headers: { ...bearer, host: `localhost:${port}` }
      })
      assert.strictEqual(ok.status, 200)
      const rebound = yield* raw(emulator.url, {
        path: "/backend-api/wham/usage",
        headers: { ...bearer, host: `attacker.example:${port}` }
      })
      assert.strictEqual(rebound.status, 421)
      assert.include(rebound.body, "Misdirected")
      const upgrade = yield* raw(emulator.url, {
        path: "/backend-api/codex/responses",
        headers: {
          ...bearer,
          host: `attacker.example:${port}`,
          connection: "Upgrade",
          upgrade: "websocket",
          "sec-websocket-version": "13",
          "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ=="
        }
      })
      assert.strictEqual(upgrade.status, 421)
    }))

  it.scoped("/oauth/authorize redirects only to a loopback redirect_uri", () =>
    Effect.gen(function*() {
      const emulator = yield* CodexEmulator.make()
      const query = (redirect: string) =>
        `/oauth/authorize?${new URLSearchParams({
          response_type: "code",
          client_id: "app_EMoamEEZ73f0CkXaXp7hrann",
          redirect_uri: redirect,
          scope: "openid profile email offline_access",
          code_challenge: "x".repeat(43),
          code_challenge_method: "S256",
          state: "s"
        })}`
      const evil = yield* raw(emulator.url, { path: query("https://attacker.example/callback") })
      assert.strictEqual(evil.status, 400)
      assert.isUndefined(evil.location)
      const local = yield* raw(emulator.url, { path: query("http://localhost:1455/auth/callback") })
      assert.strictEqual(local.status, 302)
      assert.match(local.location ?? "", /^http:\/\/localhost:1455\/auth\/callback\?code=/)
    }))

  it.scoped("a body over maxBodyBytes is answered 413 and not kept; what is recorded is bounded", () =>
    Effect.gen(function*() {
      const emulator = yield* CodexEmulator.make({ maxBodyBytes: 1024, maxRecorded: { entries: 5, bytes: 2048 } })
      const big = yield* raw(emulator.url, {
        method: "POST",
        path: "/backend-api/codex/responses",
        headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
        body: JSON.stringify({ input: "x".repeat(4096) })
      })
      assert.strictEqual(big.status, 413)
      assert.isUndefined((yield* emulator.requests).at(-1)?.body, "the large body is not kept")
      const declared = yield* raw(emulator.url, {
        method: "POST",
        path: "/oauth/token",
        headers: { "content-type": "application/json", "content-length": "4096" },
        body: "z".repeat(4096)
      })
      assert.strictEqual(declared.status, 413, "a declared length over the cap is refused unread")
      for (let i = 0; i < 10; i++) {
        yield* raw(emulator.url, {
          method: "POST",
          path: "/backend-api/codex/responses",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ n: i, pad: "y".repeat(600) })
        })
      }
      const kept = yield* emulator.requests
      assert.isAtMost(kept.length, 5)
      assert.isAtMost(kept.reduce((sum, r) => sum + JSON.stringify(r.body ?? "").length, 0), 2048 + 700)
      assert.deepStrictEqual((kept.at(-1)?.body as { n: number }).n, 9, "the newest requests are the ones kept")
    }))

  it.scoped("the request log (--log) never holds a token: issuer bodies are redacted", () =>
    Effect.gen(function*() {
      const entries: Array<CodexEmulator.LogEntry> = []
      const emulator = yield* CodexEmulator.make({ onRequest: (entry) => entries.push(entry) })
      const tokens = yield* emulator.issuer.issue()
      const reply = yield* raw(emulator.url, {
        method: "POST",
        path: "/oauth/token",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          client_id: "app_EMoamEEZ73f0CkXaXp7hrann",
          grant_type: "refresh_token",
          refresh_token: tokens.refreshToken
        })
      })
      assert.strictEqual(reply.status, 200)
      yield* raw(emulator.url, {
        method: "POST",
        path: "/oauth/token",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
          subject_token: tokens.idToken,
          requested_token: "openai-api-key"
        }).toString()
      })
      const log = JSON.stringify(entries)
      assert.strictEqual(entries.length, 2)
      assert.notInclude(log, tokens.refreshToken)
      assert.notInclude(log, tokens.idToken)
      assert.include(log, "[redacted]")
      assert.include(log, "refresh_token", "the field names stay, for debugging")
    }))
})

/** Sets an environment variable for the scope, restoring it when the scope closes. */
const withEnv = (name: string, value: string) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const before = process.env[name]
      process.env[name] = value
      return before
    }),
    (before) =>
      Effect.sync(() => {
        if (before === undefined) delete process.env[name]
        else process.env[name] = before
      })
  )

describe("the test helper layerClient: the vitest project picks the transport (the library reads no env)", () => {
  it.live("it runs over the transport its project names (CODEX_TEST_TRANSPORT, set in vitest.config.ts)", (ctx) => {
    const project = ctx.task.file.projectName ?? ""
    const names: Array<string> = []
    return Effect.gen(function*() {
      assert.include(["undici", "http-client"], project)
      const responses = yield* Responses.Responses
      yield* responses.create({ input: "Over which transport?" })
      // The HttpClient adapter sends through the platform client, which makes its span; the undici transport makes none.
      assert.strictEqual(names.includes("http.client POST"), project === "http-client", names.join(", "))
    }).pipe(Effect.provide(layerClient()), Effect.withTracer(recordingTracer(names)))
  })

  it.scopedLive("CODEX_TEST_RESPONSES_TRANSPORT=websocket sends /responses over the WebSocket route, unless config sets a transport", () =>
    Effect.gen(function*() {
      yield* withEnv("CODEX_TEST_RESPONSES_TRANSPORT", "websocket")
      const socketsOpened = (config?: CodexConfig.Options) =>
        Effect.gen(function*() {
          const responses = yield* Responses.Responses
          yield* responses.create({ input: "Over which route?" })
          return (yield* Effect.flatMap(CodexEmulator.CodexEmulator, (emulator) => emulator.sockets)).opened
          // Over undici: the HttpClient adapter cannot hand over a socket, so it falls back to SSE.
        }).pipe(Effect.provide(layerClient({ transport: "undici", ...(config === undefined ? {} : { config }) })))
      assert.strictEqual(yield* socketsOpened(), 1)
      assert.strictEqual(yield* socketsOpened({ transport: "sse" }), 0)
    }))
})
