/**
 * A token a server echoes back (a proxy's error page, an issuer's 400, headers, escaped JSON) reaches no error message, no `String`/`JSON`/`inspect` form and no log line.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel, Stream } from "effect"
import * as NodeCrypto from "node:crypto"
import * as CodexEmulator from "../src/CodexEmulator.js"
import type { CodexError } from "../src/index.js"
import { CodexAuth, CodexConfig, Responses, TokenStore } from "../src/index.js"
import { capture, forms, serve, sseEvent } from "./hardeningHelpers.js"
import { transportLayer } from "./helpers.js"

describe("1. a token a server echoes back reaches no error and no log", () => {
  it.live("500/400/403 bodies, in-stream error and response.failed, a 200 that is not SSE, a malformed event: every form is clean", () =>
    Effect.scoped(Effect.gen(function*() {
      const refreshToken = `rt_${NodeCrypto.randomBytes(24).toString("base64url")}`
      const accessToken = CodexEmulator.fakeJwt({
        exp: Math.floor(Date.now() / 1000) + 120, // stale (within the 5-minute margin), not expired
        secret: NodeCrypto.randomBytes(16).toString("hex"),
        "https://api.openai.com/auth": { chatgpt_account_id: "acct_echo" }
      })
      const payload = accessToken.split(".")[1] ?? accessToken
      let mode = ""
      const { url } = yield* serve((request, body, response) => {
        const auth = request.headers["authorization"] ?? ""
        if (request.url === "/oauth/token") {
          // echoes the refresh grant it received, raw and inside JSON
          response.writeHead(400, { "content-type": "application/json" })
          return response.end(
            JSON.stringify({ error: { message: `bad grant ${body}; token ${JSON.parse(body).refresh_token}` } })
          )
        }
        switch (mode) {
          case "500":
            response.writeHead(500, { "content-type": "text/plain" })
            return response.end(`upstream failed; request headers: Authorization: ${auth}\nbody: ${body}`)
          case "400":
            response.writeHead(400, { "content-type": "application/json" })
            return response.end(JSON.stringify({ detail: `bad header authorization=${auth.slice(7)}` }))
          case "403":
            response.writeHead(403, { "content-type": "application/json" })
            return response.end(
              JSON.stringify({ error: { code: "nope", message: `forbidden for {"access_token": "${auth.slice(7)}"}` } })
            )
          case "error-event":
            response.writeHead(200, { "content-type": "text/event-stream" })
            return response.end(sseEvent({ type: "error", code: "server_error", message: `echo ${auth}` }))
          case "failed":
            response.writeHead(200, { "content-type": "text/event-stream" })
            return response.end(sseEvent({
              type: "response.failed",
              response: {
                id: "resp_1",
                status: "failed",
                output: [],
                instructions: auth,
                error: { code: "server_error", message: `echo ${auth.slice(7)}` }
              }
            }))
          case "not-sse":
            response.writeHead(200, { "content-type": "application/json" })
            return response.end(`{"echo":"${auth}"}`)
          case "malformed":
            response.writeHead(200, { "content-type": "text/event-stream" })
            return response.end(sseEvent({ type: "response.output_text.delta", delta: 1, echo: auth }))
          default:
            response.writeHead(404)
            return response.end()
        }
      })
      const lines: Array<string> = []
      const layer = Responses.layer.pipe(
        Layer.provideMerge(CodexAuth.layer()),
        Layer.provideMerge(Layer.mergeAll(
          TokenStore.layerMemory(TokenStore.tokens({ idToken: accessToken, accessToken, refreshToken })),
          CodexConfig.layer({
            codexBaseUrl: `${url}/backend-api/codex`,
            authIssuer: url,
            maxRetries: 0,
            maxStreamRetries: 0
          }),
          transportLayer()
        ))
      )
      const errors: Array<CodexError.CodexError> = []
      yield* Effect.gen(function*() {
        const responses = yield* Responses.Responses
        for (const m of ["500", "400", "403", "error-event", "failed", "not-sse", "malformed"]) {
          mode = m
          const error = yield* Effect.flip(responses.create({ input: "x" }))
          errors.push(error)
          const streamed = yield* Effect.flip(Stream.runDrain(responses.stream({ input: "x" })))
          errors.push(streamed)
        }
      }).pipe(Effect.provide(layer), Effect.provide(capture(lines)), Logger.withMinimumLogLevel(LogLevel.All))
      assert.isTrue(lines.some((l) => l.includes("Proactive token refresh failed")), lines.join("\n"))
      const tags = errors.map((e) => e._tag)
      assert.deepStrictEqual(tags, [
        "ServerError",
        "ServerError",
        "InvalidRequest",
        "InvalidRequest",
        "PermissionDenied",
        "PermissionDenied",
        "ResponseFailed",
        "ResponseFailed",
        "ResponseFailed",
        "ResponseFailed",
        "DecodeError",
        "DecodeError",
        "DecodeError",
        "DecodeError"
      ])
      const texts = [...lines, ...errors.flatMap(forms)]
      for (const text of texts) {
        assert.notInclude(text, payload)
        assert.notInclude(text, refreshToken)
      }
      // the rest of the text survives
      assert.include(String(errors[0]), "upstream failed")
      assert.include(String(errors[2]), "bad header")
    })))
})
