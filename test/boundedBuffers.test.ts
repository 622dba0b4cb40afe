/**
 * Bounded buffers: event size, error bodies, JSON replies, memory while streaming.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import * as NodeChild from "node:child_process"
import * as NodeFs from "node:fs/promises"
import type * as Http from "node:http"
import * as NodePath from "node:path"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { CodexAuth, CodexConfig, Responses, TokenStore } from "../src/index.js"
import { serve } from "./hardeningHelpers.js"
import { tempHome, transportLayer } from "./helpers.js"

/** The peak growth of the resident set while `effect` runs, in MB (sampled every 2 ms). */
const peakGrowth = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = process.memoryUsage().rss
    let peak = start
    const timer = setInterval(() => void (peak = Math.max(peak, process.memoryUsage().rss)), 2)
    const result = yield* Effect.ensuring(effect, Effect.sync(() => clearInterval(timer)))
    peak = Math.max(peak, process.memoryUsage().rss)
    return [result, (peak - start) / 2 ** 20] as const
  })

/** Writes `total` bytes of `fill` after `prefix`, reusing one 1 MB buffer. */
const writeBig = (response: Http.ServerResponse, prefix: string, total: number, fill = "x") => {
  const mb = Buffer.alloc(2 ** 20, fill)
  let sent = 0
  response.write(prefix)
  const more = () => {
    while (sent < total) {
      sent += mb.length
      if (!response.write(mb)) return void response.once("drain", more)
    }
    response.end()
  }
  response.on("error", () => undefined)
  more()
}

describe("4. bounded buffers", () => {
  it.live("a 64 MB SSE line is a DecodeError, and memory stays bounded", () =>
    Effect.scoped(Effect.gen(function*() {
      const { url } = yield* serve((_request, _body, response) => {
        response.writeHead(200, { "content-type": "text/event-stream" })
        writeBig(response, "data: {\"type\":\"response.output_text.delta\",\"delta\":\"", 64 * 2 ** 20)
      })
      const layer = Responses.layer.pipe(Layer.provide(Layer.mergeAll(
        CodexConfig.layer({ codexBaseUrl: url, maxRetries: 0, maxStreamRetries: 0 }),
        CodexAuth.layerTokens({ accessToken: "t" }),
        transportLayer()
      )))
      const [error, growth] = yield* peakGrowth(
        Effect.flip(
          Effect.flatMap(Responses.Responses, (r) => Stream.runDrain(r.stream({ input: "x" }))).pipe(
            Effect.provide(layer)
          )
        )
      )
      assert.strictEqual(error._tag, "DecodeError", String(error))
      assert.include(error.message, "16 MB")
      assert.isBelow(growth, 100, `RSS grew by ${growth.toFixed(0)} MB`)
    })), 30_000)

  it.live("maxEventBytes is configurable: an event over it is a DecodeError", () =>
    Effect.scoped(Effect.gen(function*() {
      const { url } = yield* serve((_request, _body, response) => {
        response.writeHead(200, { "content-type": "text/event-stream" })
        response.end(`data: {"type":"response.output_text.delta","output_index":0,"delta":"${"y".repeat(2000)}"}\n\n`)
      })
      const layer = Responses.layer.pipe(Layer.provide(Layer.mergeAll(
        CodexConfig.layer({ codexBaseUrl: url, maxRetries: 0, maxStreamRetries: 0, maxEventBytes: 1024 }),
        CodexAuth.layerTokens({ accessToken: "t" }),
        transportLayer()
      )))
      const error = yield* Effect.flip(
        Effect.flatMap(Responses.Responses, (r) => r.create({ input: "x" })).pipe(Effect.provide(layer))
      )
      assert.strictEqual(error._tag, "DecodeError", String(error))
    })))

  it.live(
    "64 MB error, non-SSE and token-endpoint bodies are read only in part",
    () =>
      Effect.scoped(Effect.gen(function*() {
        let status = 500
        let type = "text/plain"
        const { url } = yield* serve((_request, _body, response) => {
          response.writeHead(status, { "content-type": type })
          writeBig(response, "", 64 * 2 ** 20)
        })
        const expired = CodexEmulator.fakeJwt({ exp: 1, "https://api.openai.com/auth": { chatgpt_account_id: "a" } })
        const run = <A, E>(
          effect: Effect.Effect<A, E, Responses.Responses | CodexAuth.CodexAuth>,
          auth: "tokens" | "refresh"
        ) =>
          effect.pipe(
            Effect.provide(Responses.layer.pipe(
              Layer.provideMerge(
                auth === "tokens" ? CodexAuth.layerTokens({ accessToken: "t" }) : CodexAuth.layer().pipe(
                  Layer.provide(
                    TokenStore.layerMemory(
                      TokenStore.tokens({ idToken: expired, accessToken: expired, refreshToken: "rt" })
                    )
                  )
                )
              ),
              Layer.provide(Layer.mergeAll(
                CodexConfig.layer({ codexBaseUrl: url, authIssuer: url, maxRetries: 0, maxStreamRetries: 0 }),
                transportLayer()
              ))
            ))
          )
        const create = Effect.flatMap(Responses.Responses, (r) => r.create({ input: "x" }))
        const [serverError, g1] = yield* peakGrowth(Effect.flip(run(create, "tokens")))
        assert.strictEqual(serverError._tag, "ServerError")
        assert.isBelow(g1, 40, `error body: RSS grew by ${g1.toFixed(0)} MB`)
        status = 200
        type = "text/html"
        const [decode, g2] = yield* peakGrowth(Effect.flip(run(create, "tokens")))
        assert.strictEqual(decode._tag, "DecodeError")
        assert.isBelow(g2, 40, `non-SSE body: RSS grew by ${g2.toFixed(0)} MB`)
        status = 400
        const [refresh, g3] = yield* peakGrowth(
          Effect.flip(run(Effect.flatMap(CodexAuth.CodexAuth, (a) => a.credentials), "refresh"))
        )
        assert.strictEqual(refresh._tag, "RefreshFailed")
        assert.isBelow(g3, 40, `token endpoint body: RSS grew by ${g3.toFixed(0)} MB`)
      })),
    30_000
  )

  it.live("an auth.json of 64 MB is a TokenStoreError, not a load", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempHome
      const pad = "x".repeat(64 * 2 ** 20)
      yield* Effect.promise(() =>
        NodeFs.writeFile(
          NodePath.join(dir, "auth.json"),
          `{"tokens":{"id_token":"i","access_token":"a","refresh_token":"r"},"pad":"${pad}"}`
        )
      )
      const error = yield* Effect.flip(TokenStore.makeFile(dir).load)
      assert.strictEqual(error._tag, "TokenStoreError")
      assert.include(error.message, "MB")
    })), 30_000)

  it.live("an auth.json that is a FIFO is refused at once, not waited on", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempHome
      NodeChild.execFileSync("mkfifo", [NodePath.join(dir, "auth.json")])
      const error = yield* Effect.flip(
        TokenStore.makeFile(dir).load.pipe(Effect.timeoutFail({
          duration: "3 seconds",
          onTimeout: () => new Error("hung")
        }))
      )
      assert.strictEqual("_tag" in error ? error._tag : error.message, "TokenStoreError")
      assert.include(error.message, "not a regular file")
    })), 30_000)
})
