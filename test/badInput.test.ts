/**
 * Bad input fails before anything is sent; the request deadline.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Duration, Effect, Layer, Stream } from "effect"
import * as NodeFs from "node:fs/promises"
import * as NodePath from "node:path"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { CodexAuth, CodexConfig, Responses, TokenStore } from "../src/index.js"
import { serve, sseEvent } from "./hardeningHelpers.js"
import { layerClient, tempHome, transportLayer } from "./helpers.js"

describe("6. bad input up front", () => {
  for (
    const [name, key] of [["CR LF", "conv\r\nX-Injected: 1"], ["NUL", "a\u0000b"], ["non-Latin-1", "ключ"]] as const
  ) {
    it.live(`a prompt_cache_key with ${name} is InvalidParameter, and nothing is sent`, () =>
      Effect.gen(function*() {
        const emulator = yield* CodexEmulator.CodexEmulator
        const responses = yield* Responses.Responses
        const error = yield* Effect.flip(responses.create({ input: "x", prompt_cache_key: key }))
        assert.strictEqual(error._tag, "InvalidParameter", String(error))
        assert.include(error.message, "prompt_cache_key")
        const streamed = yield* Effect.flip(Stream.runDrain(responses.stream({ input: "x", prompt_cache_key: key })))
        assert.strictEqual(streamed._tag, "InvalidParameter")
        assert.lengthOf(yield* emulator.requests, 0)
      }).pipe(Effect.provide(layerClient({ config: { retryBaseDelay: Duration.millis(1) } }))))
  }

  it.live("any header value with CR/LF is InvalidParameter where headers are built (an account id from a token)", () =>
    Effect.gen(function*() {
      const emulator = yield* CodexEmulator.CodexEmulator
      const error = yield* Effect.flip(Effect.flatMap(Responses.Responses, (r) => r.create({ input: "x" })))
      assert.strictEqual(error._tag, "InvalidParameter", String(error))
      assert.lengthOf(yield* emulator.requests, 0)
    }).pipe(Effect.provide(layerClient({
      config: { retryBaseDelay: Duration.millis(1) },
      auth: CodexAuth.layerTokens({ accessToken: "t", accountId: "acct\r\nx-evil: 1" })
    }))))

  it.live("a group- or world-writable CODEX_HOME, or one owned by another user, is refused unless allowInsecureCodexHome", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempHome
      yield* Effect.promise(() =>
        NodeFs.writeFile(
          NodePath.join(dir, "auth.json"),
          JSON.stringify({ tokens: { id_token: "i", access_token: "a", refresh_token: "r" } })
        )
      )
      const load = (options: CodexConfig.Options) =>
        Effect.flatMap(TokenStore.TokenStore, (s) => s.load).pipe(
          Effect.provide(TokenStore.layerFile().pipe(Layer.provide(CodexConfig.layer({ codexHome: dir, ...options }))))
        )
      assert.isDefined(yield* load({}), "0700 is fine")
      for (const mode of [0o777, 0o1777, 0o770, 0o720]) {
        yield* Effect.promise(() => NodeFs.chmod(dir, mode))
        const error = yield* Effect.flip(load({}))
        assert.strictEqual(error._tag, "TokenStoreError")
        assert.include(error.message, "writable", mode.toString(8))
        assert.include(error.message, "allowInsecureCodexHome")
        const modify = yield* Effect.flip(
          Effect.flatMap(TokenStore.TokenStore, (s) => s.modify(() => Effect.succeed([undefined, undefined] as const)))
            .pipe(
              Effect.provide(TokenStore.layerFile().pipe(Layer.provide(CodexConfig.layer({ codexHome: dir }))))
            )
        )
        assert.strictEqual(modify._tag, "TokenStoreError")
        assert.isDefined(yield* load({ allowInsecureCodexHome: true }))
      }
      yield* Effect.promise(() => NodeFs.chmod(dir, 0o700))
      if (process.getuid?.() === 0) {
        yield* Effect.promise(() => NodeFs.chown(dir, 54321, 54321))
        const error = yield* Effect.flip(load({}))
        assert.include(error.message, "owned by")
        yield* Effect.promise(() => NodeFs.chown(dir, 0, 0))
      }
    })))
})

describe("7. requestDeadline", () => {
  it.live("a stream kept alive by comments ends with Timeout { phase: deadline }", () =>
    Effect.scoped(Effect.gen(function*() {
      const { url } = yield* serve((_request, _body, response) => {
        response.writeHead(200, { "content-type": "text/event-stream" })
        response.write(
          sseEvent({ type: "response.created", response: { id: "resp_1", status: "in_progress", output: [] } })
        )
        const timer = setInterval(() => response.write(": keep-alive\n\n"), 10)
        response.on("close", () => clearInterval(timer))
      })
      const layer = Responses.layer.pipe(Layer.provide(Layer.mergeAll(
        CodexConfig.layer({
          codexBaseUrl: url,
          maxRetries: 0,
          maxStreamRetries: 0,
          streamIdleTimeout: Duration.seconds(5),
          requestDeadline: Duration.millis(300)
        }),
        CodexAuth.layerTokens({ accessToken: "t" }),
        transportLayer()
      )))
      for (
        const call of [
          (r: Responses.Service) => r.create({ input: "x" }),
          (r: Responses.Service) => Stream.runDrain(r.stream({ input: "x" }))
        ]
      ) {
        const started = Date.now()
        const error = yield* Effect.flip(
          Effect.flatMap(Responses.Responses, call).pipe(
            Effect.provide(layer),
            Effect.timeoutFail({
              duration: "3 seconds",
              onTimeout: () => new Cause.TimeoutException("no deadline: still running after 3 s")
            })
          )
        )
        assert.isTrue(error._tag === "Timeout" && error.phase === "deadline", String(error))
        assert.isBelow(Date.now() - started, 2000)
      }
      const config = yield* CodexConfig.make()
      assert.isUndefined(config.requestDeadline, "off by default")
    })))
})
