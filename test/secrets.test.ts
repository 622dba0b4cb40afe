import { assert, describe, it } from "@effect/vitest"
import { Cause, Duration, Effect, Layer, Logger, LogLevel, Redacted, Stream } from "effect"
import * as NodeFs from "node:fs/promises"
import * as NodePath from "node:path"
import * as NodeUtil from "node:util"
import * as CodexEmulator from "../src/CodexEmulator.js"
import * as CodexTransport from "../src/CodexTransport.js"
import { CodexAuth, CodexConfig, CodexError, OAuth, Responses, TokenStore } from "../src/index.js"
import { layerClient, tempHome, transportLayer } from "./helpers.js"

describe("secrets and logs", () => {
  it.live("no token reaches a log line, an error message or a service's string form", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const capture = Logger.replace(
        Logger.defaultLogger,
        Logger.make(({ message, cause }) => {
          lines.push(`${JSON.stringify(message)} ${Cause.pretty(cause)}`)
        })
      )
      const token = CodexEmulator.fakeJwt({ "https://api.openai.com/auth": { chatgpt_account_id: "acct_s" } })
      const secretPart = token.split(".")[1] ?? token
      const run = Effect.gen(function*() {
        const emulator = yield* CodexEmulator.CodexEmulator
        const responses = yield* Responses.Responses
        const auth = yield* CodexAuth.CodexAuth
        // a lenient drop and a skipped malformed frame both log warnings
        const events = CodexEmulator.textEvents("ok")
        yield* emulator.script(
          CodexEmulator.sse([events[0] ?? { type: "x" }, { raw: "data: {oops\n\n" }, ...events.slice(1)])
        )
        yield* responses.create({ input: "x", ...JSON.parse("{\"temperature\":1}") })
        // retries log at debug level
        yield* emulator.script(CodexEmulator.http(500, "boom"))
        yield* responses.create({ input: "x" })
        // an auth failure
        yield* emulator.script(CodexEmulator.http(401, { detail: "expired" }))
        const error = yield* Effect.flip(Stream.runDrain(responses.stream({ input: "x" })))
        assert.instanceOf(error, CodexError.AuthExpired)
        const credentials = yield* auth.credentials
        const sent = (yield* emulator.requests).map((r) => r.headers["authorization"])
        assert.deepStrictEqual(sent, Array(sent.length).fill(`Bearer ${token}`), "the token under test is the one sent")
        return [
          error.message,
          String(error),
          JSON.stringify(error),
          String(credentials.accessToken),
          JSON.stringify(credentials),
          String(auth)
        ]
      })
      const strings = yield* run.pipe(
        Effect.provide(
          layerClient({
            config: { parameterPolicy: "lenient" },
            auth: CodexAuth.layerTokens({ accessToken: token })
          })
        ),
        Effect.provide(capture),
        Logger.withMinimumLogLevel(LogLevel.All)
      )
      assert.isTrue(lines.some((l) => l.includes("Dropped parameters") && l.includes("temperature")), lines.join("\n"))
      assert.isTrue(lines.some((l) => l.includes("skipped 1 SSE frame")), lines.join("\n"))
      assert.isTrue(lines.some((l) => l.includes("ServerError; retry 1 in")), lines.join("\n"))
      for (const text of [...lines, ...strings]) assert.notInclude(text, secretPart)
    }))
})

describe("secrets through login and refresh", () => {
  it.live("no access, refresh, id token or API key in any log line, error or string form", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempHome
      const lines: Array<string> = []
      const capture = Logger.replace(
        Logger.defaultLogger,
        Logger.make(({ message, cause }) => void lines.push(`${JSON.stringify(message)} ${Cause.pretty(cause)}`))
      )
      const strings = yield* Effect.gen(function*() {
        const emulator = yield* CodexEmulator.CodexEmulator
        const responses = yield* Responses.Responses
        const auth = yield* CodexAuth.CodexAuth
        const store = yield* TokenStore.TokenStore
        const login = yield* OAuth.loginDevice({ onCode: () => Effect.void, requestApiKey: true })
        yield* emulator.scriptRoute("token", CodexEmulator.http(503, { error: { message: "down" } }))
        yield* emulator.script(CodexEmulator.http(401, { detail: "expired" }))
        yield* responses.create({ input: "x" }) // 401 → refresh (retried after a 503) → retry
        yield* emulator.script(
          CodexEmulator.http(401, { detail: "expired" }),
          CodexEmulator.http(401, { detail: "expired" })
        )
        const error = yield* Effect.flip(responses.create({ input: "x" }))
        const stored = yield* store.load
        const file = yield* Effect.promise(() => NodeFs.readFile(NodePath.join(dir, "auth.json"), "utf8"))
        const secrets = [stored?.accessToken, stored?.refreshToken, stored?.idToken, stored?.apiKey].map((t) =>
          t === undefined ? "" : Redacted.value(t)
        )
        assert.isTrue(
          secrets.every((s) => s.length > 10 && file.includes(s)),
          "the secrets under test are the stored ones"
        )
        return {
          secrets,
          texts: [
            error.message,
            String(error),
            JSON.stringify(error),
            JSON.stringify(login),
            String(stored?.accessToken),
            JSON.stringify(stored),
            String(auth),
            String(store),
            JSON.stringify(yield* auth.credentials)
          ]
        }
      }).pipe(
        Effect.provide(
          layerClient({
            codexHome: dir,
            deviceInterval: 0,
            config: { retryBaseDelay: Duration.millis(1) }
          })
        ),
        Effect.provide(capture),
        Logger.withMinimumLogLevel(LogLevel.All)
      )
      assert.isTrue(lines.some((l) => l.includes("POST /oauth/token: RefreshFailed")), lines.join("\n"))
      for (const text of [...lines, ...strings.texts]) {
        for (const secret of strings.secrets) assert.notInclude(text, secret)
      }
    })))
})

describe("secrets in the causes of transport errors", () => {
  it.live("a refused connection, a reset stream and an unreachable issuer print no token through JSON or inspect", () =>
    Effect.gen(function*() {
      const token = CodexEmulator.fakeJwt({
        exp: 4102444800,
        secret: "access-secret-value",
        "https://api.openai.com/auth": { chatgpt_account_id: "acct_s" }
      })
      const refreshToken = "rt_refresh_secret_value"
      const show = (e: unknown) => [JSON.stringify(e), NodeUtil.inspect(e, { depth: 30 }), String(e)]

      // refused: nothing listens on port 9
      const refused = yield* Effect.flip(
        Effect.flatMap(Responses.Responses, (r) => r.create({ input: "x" })).pipe(
          Effect.provide(Responses.layer.pipe(Layer.provide(Layer.mergeAll(
            CodexConfig.layer({ codexBaseUrl: "http://127.0.0.1:9/backend-api/codex", maxRetries: 0 }),
            CodexAuth.layerTokens({ accessToken: token }),
            transportLayer()
          ))))
        )
      )
      assert.strictEqual(refused._tag, "TransportError")

      // reset mid-stream
      const reset = yield* Effect.gen(function*() {
        const emulator = yield* CodexEmulator.CodexEmulator
        yield* emulator.script(CodexEmulator.sse(CodexEmulator.textEvents("cut").slice(0, 3), { ending: "reset" }))
        return yield* Effect.flip(
          Stream.runDrain(
            Effect.flatMap(Responses.Responses, (r) => Effect.succeed(r.stream({ input: "x" }))).pipe(Stream.unwrap)
          )
        )
      }).pipe(Effect.provide(layerClient({ auth: CodexAuth.layerTokens({ accessToken: token }) })))
      assert.strictEqual(reset._tag, "StreamInterrupted")

      // the issuer is unreachable while refreshing an expired token
      const expired = CodexEmulator.fakeJwt({ exp: 1, "https://api.openai.com/auth": { chatgpt_account_id: "acct_1" } })
      const refresh = yield* Effect.flip(
        Effect.flatMap(CodexAuth.CodexAuth, (auth) => auth.credentials).pipe(
          Effect.provide(
            CodexAuth.layer().pipe(Layer.provide(Layer.mergeAll(
              TokenStore.layerMemory(TokenStore.tokens({ idToken: expired, accessToken: expired, refreshToken })),
              CodexConfig.layer({ authIssuer: "http://127.0.0.1:9", maxRetries: 0 }),
              CodexTransport.layerUndici
            )))
          )
        )
      )
      assert.strictEqual(refresh._tag, "RefreshFailed")

      for (const text of [...show(refused), ...show(reset), ...show(refresh)]) {
        assert.notInclude(text, "access-secret-value")
        assert.notInclude(text, token.split(".")[1] ?? token)
        assert.notInclude(text, refreshToken)
      }
    }))
})
