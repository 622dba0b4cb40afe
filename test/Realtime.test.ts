import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Redacted } from "effect"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { Realtime, TokenStore } from "../src/index.js"
import { layerClient } from "./helpers.js"

const withEmulator = Effect.provide(layerClient({ config: { retryBaseDelay: Duration.millis(1) } }))

const services = Effect.all({ realtime: Realtime.Realtime, emulator: CodexEmulator.CodexEmulator })

const offer = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"

const lastRequest = Effect.map(Effect.flatMap(CodexEmulator.CodexEmulator, (e) => e.requests), (r) => r[r.length - 1])

/** Stores a Platform API key, as a browser login does when the account has an organisation. */
const storeApiKey = (key: string) =>
  Effect.flatMap(TokenStore.TokenStore, (store) =>
    store.modify(() =>
      Effect.succeed(
        [undefined, {
          idToken: Redacted.make("id"),
          accessToken: Redacted.make("at"),
          refreshToken: Redacted.make("rt"),
          apiKey: Redacted.make(key),
          lastRefresh: new Date()
        }] as const
      )
    ))

describe("Realtime against the emulator", () => {
  it.live("calls.create, plain form: the SDP offer as application/sdp; the answer and the call id from Location", () =>
    Effect.gen(function*() {
      const { realtime } = yield* services
      const call = yield* realtime.calls.create({ sdp: offer })
      assert.strictEqual(call.callId, "rtc_emulated1")
      assert.include(call.sdp, "s=emulated answer")
      assert.include(call.sdp, `a=x-offer-bytes:${offer.length}`)
      const request = yield* lastRequest
      assert.strictEqual(request?.path, "/backend-api/codex/realtime/calls")
      assert.strictEqual(request?.headers["content-type"], "application/sdp")
      assert.strictEqual(request?.headers["accept"], "application/sdp")
      assert.strictEqual(request?.headers["chatgpt-account-id"], "acct_emulated")
      assert.strictEqual(request?.body, offer)
    }).pipe(withEmulator))

  it.live("calls.create with a session: JSON body with the backend's query; a client-side session id is removed", () =>
    Effect.gen(function*() {
      const { realtime } = yield* services
      const call = yield* realtime.calls.create({
        sdp: offer,
        session: { type: "realtime", model: "gpt-realtime-1.5", id: "sess_client" }
      })
      assert.strictEqual(call.callId, "rtc_emulated1")
      const request = yield* lastRequest
      assert.strictEqual(request?.path, "/backend-api/codex/realtime/calls?intent=quicksilver&architecture=avas")
      assert.include(request?.headers["content-type"] ?? "", "application/json")
      assert.deepStrictEqual(request?.body, { sdp: offer, session: { type: "realtime", model: "gpt-realtime-1.5" } })
    }).pipe(withEmulator))

  it.live("a 404 is RealtimeUnavailable; a Location that is neither rtc_… nor a UUID is a DecodeError; a UUID is accepted", () =>
    Effect.gen(function*() {
      const { emulator, realtime } = yield* services
      yield* emulator.scriptRoute(
        "realtime",
        CodexEmulator.http(404, { detail: "Not Found" }, { "x-request-id": "req_rt" }),
        CodexEmulator.http(201, "v=0\r\n", {
          "content-type": "application/sdp",
          location: "/v1/realtime/calls/../../evil?t=eyJhbGciOiJub25lIn0.eyJsZWFrIjoxfQ.c2ln"
        }),
        CodexEmulator.http(201, "v=0\r\n", {
          "content-type": "application/sdp",
          location: "https://api.openai.com/v1/realtime/calls/123e4567-e89b-12d3-a456-426614174000?x=1"
        })
      )
      const unavailable = yield* Effect.flip(realtime.calls.create({ sdp: offer }))
      assert.strictEqual(unavailable._tag, "RealtimeUnavailable")
      assert.strictEqual(unavailable._tag === "RealtimeUnavailable" ? unavailable.requestId : undefined, "req_rt")
      const bad = yield* Effect.flip(realtime.calls.create({ sdp: offer }))
      assert.strictEqual(bad._tag, "DecodeError")
      assert.notInclude(bad.message, "eyJsZWFrIjoxfQ", "the quoted Location is scrubbed")
      const call = yield* realtime.calls.create({ sdp: offer })
      assert.strictEqual(call.callId, "123e4567-e89b-12d3-a456-426614174000")
    }).pipe(withEmulator))

  it.live("an empty offer is InvalidParameter, and nothing is sent", () =>
    Effect.gen(function*() {
      const { emulator, realtime } = yield* services
      const error = yield* Effect.flip(realtime.calls.create({ sdp: "  " }))
      assert.strictEqual(error._tag, "InvalidParameter")
      assert.strictEqual((yield* emulator.requests).length, 0)
    }).pipe(withEmulator))

  it.live("websocketUrl and websocketHeaders: the stored Platform API key, redacted until unwrapped", () =>
    Effect.gen(function*() {
      const { emulator, realtime } = yield* services
      assert.strictEqual(
        yield* realtime.websocketUrl({ model: "gpt-realtime 1.5" }),
        `ws://127.0.0.1:${new URL(emulator.url).port}/v1/realtime?model=gpt-realtime%201.5`
      )
      yield* storeApiKey("sk-stored-key")
      const headers = yield* realtime.websocketHeaders({ sessionId: "voice-1" })
      assert.notInclude(String(headers), "sk-stored-key")
      assert.deepStrictEqual(Redacted.value(headers), {
        Authorization: "Bearer sk-stored-key",
        originator: "codex_cli_rs",
        "x-session-id": "voice-1"
      })
    }).pipe(withEmulator))

  it.live("without a key in auth.json, OPENAI_API_KEY from the environment; with neither, ApiKeyMissing", () =>
    Effect.gen(function*() {
      const { realtime } = yield* services
      const missing = yield* Effect.flip(realtime.websocketHeaders())
      assert.strictEqual(missing._tag, "ApiKeyMissing")
      assert.include(missing.message, "OPENAI_API_KEY")
      const headers = yield* realtime.websocketHeaders().pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["OPENAI_API_KEY", "sk-from-env"]])))
      )
      assert.strictEqual(Redacted.value(headers)["Authorization"], "Bearer sk-from-env")
    }).pipe(withEmulator))

  it.effect("the default WebSocket URL is wss://api.openai.com/v1/realtime", () =>
    Effect.gen(function*() {
      const realtime = yield* Realtime.Realtime
      assert.strictEqual(
        yield* realtime.websocketUrl({ model: "gpt-realtime-1.5" }),
        "wss://api.openai.com/v1/realtime?model=gpt-realtime-1.5"
      )
    }).pipe(Effect.provide(layerClient({ config: { openaiBaseUrl: "https://api.openai.com/v1" } }))))
})
