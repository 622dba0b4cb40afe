import { assert, describe, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Fiber, Logger, Stream, TestClock } from "effect"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { CodexConfig, Models, RateLimits, Responses } from "../src/index.js"
import * as ModelsEtag from "../src/internal/modelsEtag.js"
import type { InputItem } from "../src/Responses.js"
import { layerClient, seed, tempHome } from "./helpers.js"

/**
 * `/responses` over the WebSocket route (protocol §13) against the emulator: incremental
 * turns, the 60-minute limit, the fallback to SSE, error frames, interruption, and every
 * recorded real stream collected identically over both transports.
 */
const withSocket = (config: CodexConfig.Options = {}, options: Parameters<typeof CodexEmulator.layerClient>[0] = {}) =>
  Effect.provide(
    layerClient({
      transport: "undici",
      ...options,
      config: { transport: "websocket", retryBaseDelay: Duration.millis(1), ...config }
    })
  )

const services = Effect.all({ responses: Responses.Responses, emulator: CodexEmulator.CodexEmulator })

/** The recorded `/responses` requests: WebSocket frames (and refused handshakes) are `GET`, SSE ones `POST`. */
const recorded = Effect.map(
  Effect.flatMap(CodexEmulator.CodexEmulator, (e) => e.requests),
  (requests) => requests.filter((r) => r.path.endsWith("/responses"))
)

const user = (text: string): InputItem => ({ role: "user", content: text })

/** A conversation as a caller keeps it: every turn replays the history plus the answer's output. */
const converse = (session: string, texts: ReadonlyArray<string>, extra: Partial<Responses.CreateParams> = {}) =>
  Effect.gen(function*() {
    const { responses } = yield* services
    const history: Array<InputItem> = []
    const answers: Array<string> = []
    const ids: Array<string> = []
    for (const text of texts) {
      history.push(user(text))
      const response = yield* responses.create({ input: [...history], prompt_cache_key: session, ...extra })
      history.push(...response.output)
      answers.push(response.output_text)
      ids.push(response.id)
    }
    return Object.assign(answers, { ids })
  })

const inputOf = (body: unknown): ReadonlyArray<unknown> => (body as { input: ReadonlyArray<unknown> }).input

describe("Responses over the WebSocket transport", () => {
  it.live("one connection per session; after the first turn only the new items go, with previous_response_id", () =>
    Effect.gen(function*() {
      const { emulator } = yield* services
      const answers = yield* converse("conv-ws", ["one", "two", "three"])
      assert.deepStrictEqual([...answers], ["You said: one", "You said: two", "You said: three"])
      const requests = yield* recorded
      assert.deepStrictEqual(requests.map((r) => r.method), ["GET", "GET", "GET"], "no SSE request")
      assert.strictEqual((yield* emulator.sockets).opened, 1)
      const [first, second, third] = requests.map((r) => r.body as Record<string, unknown>)
      assert.isUndefined(first?.["previous_response_id"])
      assert.lengthOf(inputOf(first), 1)
      assert.strictEqual(second?.["previous_response_id"], answers.ids[0])
      assert.deepStrictEqual(inputOf(second), [{
        type: "message",
        role: "user",
        content: [{ type: "input_text", text: "two" }]
      }])
      assert.lengthOf(inputOf(third), 1)
      const headers = requests[0]?.headers ?? {}
      assert.strictEqual(headers["openai-beta"], "responses_websockets=2026-02-06")
      assert.strictEqual(headers["session_id"], "conv-ws")
      assert.strictEqual(headers["x-client-request-id"], "conv-ws")
      assert.strictEqual(headers["chatgpt-account-id"], "acct_emulated")
      assert.match(headers["authorization"] ?? "", /^Bearer ey/)
    }).pipe(withSocket()))

  it.live("a changed non-input field, or an input that does not extend the last turn, resends the full history", () =>
    Effect.gen(function*() {
      const { responses } = yield* services
      const first = yield* responses.create({ input: [user("a")], prompt_cache_key: "c" })
      yield* responses.create({
        input: [user("a"), ...first.output, user("b")],
        prompt_cache_key: "c",
        instructions: "Be brief."
      })
      yield* responses.create({
        input: [user("rewritten"), user("c")],
        prompt_cache_key: "c",
        instructions: "Be brief."
      })
      const bodies = (yield* recorded).map((r) => r.body as Record<string, unknown>)
      assert.isUndefined(bodies[1]?.["previous_response_id"])
      assert.lengthOf(inputOf(bodies[1]), 3)
      assert.isUndefined(bodies[2]?.["previous_response_id"])
      assert.lengthOf(inputOf(bodies[2]), 2)
    }).pipe(withSocket()))

  it.live("previous_response_not_found resends the full history on the same connection", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      const first = yield* responses.create({ input: [user("a")], prompt_cache_key: "c" })
      yield* emulator.script(CodexEmulator.http(400, {
        error: {
          type: "invalid_request_error",
          code: "previous_response_not_found",
          message: "Previous response with id 'resp_emulated' not found.",
          param: "previous_response_id"
        }
      }))
      const second = yield* responses.create({ input: [user("a"), ...first.output, user("b")], prompt_cache_key: "c" })
      assert.strictEqual(second.output_text, "You said: b")
      const bodies = (yield* recorded).map((r) => r.body as Record<string, unknown>)
      assert.strictEqual(bodies[1]?.["previous_response_id"], first.id)
      assert.isUndefined(bodies[2]?.["previous_response_id"])
      assert.lengthOf(inputOf(bodies[2]), 3)
      assert.strictEqual((yield* emulator.sockets).opened, 1)
    }).pipe(withSocket()))

  it.effect("the 60-minute limit (test clock): a new connection, the full history, and the turn state of the first", () =>
    Effect.gen(function*() {
      const { emulator } = yield* services
      const { responses } = yield* services
      const first = yield* responses.create({ input: [user("a")], prompt_cache_key: "c" })
      yield* TestClock.adjust("61 minutes")
      const second = yield* responses.create({ input: [user("a"), ...first.output, user("b")], prompt_cache_key: "c" })
      assert.strictEqual(second.output_text, "You said: b")
      assert.strictEqual((yield* emulator.sockets).opened, 2)
      const requests = yield* recorded
      assert.lengthOf(requests, 3, "the turn, the refused incremental turn, the full resend")
      const last = requests[2]
      assert.isUndefined((last?.body as Record<string, unknown>)["previous_response_id"])
      assert.lengthOf(inputOf(last?.body), 3)
      assert.strictEqual(last?.headers["x-codex-turn-state"], "ts_emulated_1", "the 101's turn state is sent back")
    }).pipe(withSocket()))

  it.live("a 426 falls back to SSE for the rest of the session, with one log line", () =>
    Effect.gen(function*() {
      const { emulator } = yield* services
      const logs: Array<string> = []
      const logger = Logger.make(({ message }) => void logs.push(String(message)))
      yield* emulator.script(CodexEmulator.http(426, { detail: "Upgrade Required" }))
      const answers = yield* converse("conv-426", ["one", "two"]).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, logger))
      )
      assert.deepStrictEqual(answers, ["You said: one", "You said: two"])
      assert.deepStrictEqual((yield* recorded).map((r) => r.method), ["GET", "POST", "POST"])
      assert.strictEqual((yield* emulator.sockets).opened, 0)
      assert.lengthOf(logs.filter((line) => line.includes("Falling back from WebSockets to HTTPS transport")), 1)
    }).pipe(withSocket()))

  it.live("an error frame maps like an HTTP reply, its headers feeding RateLimits; codex.rate_limits frames too", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      const limits = yield* RateLimits.RateLimits
      const events = CodexEmulator.textEvents("hi")
      const frame = {
        type: "codex.rate_limits",
        plan_type: "pro",
        rate_limits: {
          allowed: true,
          limit_reached: false,
          primary: { used_percent: 40, window_minutes: 300, reset_at: 1767240000 }
        },
        limit_name: "codex"
      }
      yield* emulator.script(CodexEmulator.sse([events[0] ?? {}, frame, ...events.slice(1)]))
      yield* responses.create({ input: "x", prompt_cache_key: "c" })
      assert.strictEqual((yield* limits.latest)?.snapshots[0]?.primary?.used_percent, 40)
      yield* emulator.script(CodexEmulator.usageLimit({ planType: "pro", resetsAt: 1767240000 }))
      const error = yield* Effect.flip(responses.create({ input: "y", prompt_cache_key: "c" }))
      assert.strictEqual((yield* emulator.sockets).opened, 1, "the error came as a frame on the open connection")
      assert.isTrue(error._tag === "RateLimited" && error.kind === "usage_limit_reached" && error.planType === "pro")
      assert.strictEqual(error._tag === "RateLimited" ? error.status : undefined, 429)
      assert.strictEqual((yield* limits.latest)?.snapshots[0]?.primary?.used_percent, 100)
    }).pipe(withSocket()))

  it.live("a 401 on the handshake refreshes once and connects; a second 401 is final", () =>
    Effect.gen(function*() {
      const dir = yield* tempHome
      yield* Effect.gen(function*() {
        const { emulator, responses } = yield* services
        yield* seed(yield* emulator.issuer.issue(3600))
        yield* emulator.script(CodexEmulator.http(401, { error: { code: "token_revoked", message: "revoked" } }))
        assert.strictEqual((yield* responses.create({ input: "x", prompt_cache_key: "c" })).output_text, "You said: x")
        assert.strictEqual(yield* emulator.issuer.refreshRequests, 1)
        assert.strictEqual((yield* emulator.sockets).opened, 1)
        yield* emulator.script(
          CodexEmulator.http(401, { error: { message: "again" } }),
          CodexEmulator.http(401, { error: { message: "and again" } })
        )
        const error = yield* Effect.flip(responses.create({ input: "y", prompt_cache_key: "other" }))
        assert.isTrue(error._tag === "AuthExpired" && error.reason === "unauthorized", "a second 401 is final")
      }).pipe(withSocket({}, { codexHome: dir }))
    }).pipe(Effect.scoped))

  it.live("a close before the terminal event is StreamInterrupted, never a completed response", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      yield* emulator.script(CodexEmulator.sse(CodexEmulator.textEvents("cut").slice(0, 5)))
      const error = yield* Effect.flip(responses.create({ input: "x", prompt_cache_key: "c" }))
      assert.strictEqual(error._tag, "StreamInterrupted")
      assert.isAbove(error._tag === "StreamInterrupted" ? error.eventsReceived : 0, 0)
      // The next turn opens a new connection.
      assert.strictEqual((yield* responses.create({ input: "y", prompt_cache_key: "c" })).output_text, "You said: y")
      assert.strictEqual((yield* emulator.sockets).opened, 2)
    }).pipe(withSocket({ maxStreamRetries: 0 })))

  it.live("a message that is not JSON is a DecodeError (§13), not skipped as in SSE", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      yield* emulator.script(CodexEmulator.sse([{ raw: "data: {not json\n\n" }, ...CodexEmulator.textEvents("x")]))
      const error = yield* Effect.flip(responses.create({ input: "x" }))
      assert.strictEqual(error._tag, "DecodeError")
    }).pipe(withSocket({ maxStreamRetries: 0 })))

  it.live("interrupting a stream closes the socket at once, and the emulator answers pings", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      yield* emulator.script(CodexEmulator.sse(CodexEmulator.textEvents("slow").slice(0, 4), { ending: "stall" }))
      const started = yield* Deferred.make<void>()
      const fiber = yield* responses.stream({ input: "x", prompt_cache_key: "c" }).pipe(
        Stream.tap(() => Deferred.succeed(started, undefined)),
        Stream.runDrain,
        Effect.fork
      )
      yield* Deferred.await(started)
      const before = performance.now()
      yield* Fiber.interrupt(fiber)
      while ((yield* emulator.abortedStreams) === 0 && performance.now() - before < 2000) {
        yield* Effect.sleep("1 millis")
      }
      const elapsed = performance.now() - before
      assert.strictEqual((yield* emulator.sockets).interrupted, 1)
      assert.isBelow(elapsed, 100, `closed after ${elapsed.toFixed(1)} ms`)
      assert.strictEqual((yield* emulator.sockets).pongs, 1, "the ping before the response was answered")
    }).pipe(withSocket()))

  it.live("the 101's x-models-etag keeps the catalog honest", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      const models = yield* Models.Models
      yield* models.list()
      yield* emulator.setModels({ etag: "\"catalog-2\"" })
      yield* responses.create({ input: "x", prompt_cache_key: "c" })
      yield* models.list()
      assert.lengthOf(
        (yield* emulator.requests).filter((r) => r.path.includes("/models")),
        2,
        "a different ETag made the catalog stale"
      )
    }).pipe(withSocket()))

  it.live("auto: WebSocket for a session whose model prefers it in the cached catalog; SSE otherwise", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      const models = yield* Models.Models
      const catalog: Array<Record<string, unknown>> = (yield* models.list()).data.map((m) => ({
        ...m.raw,
        prefer_websockets: m.id === "gpt-5.4"
      }))
      yield* emulator.setModels({ models: catalog, etag: "\"catalog-1\"" })
      yield* responses.create({ input: "no session" })
      yield* responses.create({ input: "other model", prompt_cache_key: "c", model: "gpt-5.4-mini" })
      assert.strictEqual((yield* emulator.sockets).opened, 0, "the catalog held still says false")
      yield* emulator.reset
      yield* emulator.setModels({ models: catalog, etag: "\"catalog-2\"" })
      yield* Effect.flatMap(Models.Models, (m) => ModelsEtag.note(m, "\"stale\""))
      yield* models.list()
      yield* responses.create({ input: "session", prompt_cache_key: "c" })
      yield* responses.create({ input: "session", prompt_cache_key: "c" }).pipe(
        CodexConfig.withCallPolicy({ transport: "sse" })
      )
      assert.deepStrictEqual((yield* recorded).map((r) => r.method), ["GET", "POST"])
    }).pipe(withSocket({ transport: "auto" })))

  it.live("prewarm (generate: false) makes the first real turn incremental; over SSE it sends nothing", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      yield* responses.prewarm({ input: [user("a")], prompt_cache_key: "c" })
      const first = yield* responses.create({ input: [user("a")], prompt_cache_key: "c" })
      assert.strictEqual(first.output_text, "You said: a")
      const bodies = (yield* recorded).map((r) => r.body as Record<string, unknown>)
      assert.strictEqual(bodies[0]?.["generate"], false)
      assert.strictEqual(bodies[1]?.["previous_response_id"], "resp_prewarm_1")
      assert.lengthOf(inputOf(bodies[1]), 0)
      yield* emulator.reset
      yield* responses.prewarm({ input: [user("a")], prompt_cache_key: "c" }).pipe(
        CodexConfig.withCallPolicy({ transport: "sse" })
      )
      assert.lengthOf(yield* recorded, 0)
    }).pipe(withSocket()))

  it.live("a transport that cannot hand over a socket (layerHttpClient) uses SSE", () =>
    Effect.gen(function*() {
      const { responses } = yield* services
      assert.strictEqual((yield* responses.create({ input: "x", prompt_cache_key: "c" })).output_text, "You said: x")
      assert.deepStrictEqual((yield* recorded).map((r) => r.method), ["POST"])
    }).pipe(withSocket({}, { transport: "http-client" })))

  it.live("a bad transport name is InvalidParameter", () =>
    Effect.gen(function*() {
      const { responses } = yield* services
      const error = yield* Effect.flip(
        responses.create({ input: "x" }).pipe(CodexConfig.withCallPolicy({ transport: "ws" as "websocket" }))
      )
      assert.isTrue(error._tag === "InvalidParameter" && error.parameter === "transport")
    }).pipe(withSocket()))

  // Every recorded real stream, collected over SSE and over the WebSocket: the same answer.
  const dir = NodePath.join(import.meta.dirname, "fixtures", "real-streams")
  const files = NodeFs.readdirSync(dir).filter((f) => f.endsWith(".sse")).sort()
  it.live(`the ${files.length} recorded real streams collect identically over both transports`, () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      const collect = (file: string, transport: "sse" | "websocket") =>
        Effect.zipRight(
          emulator.script(CodexEmulator.sse([{ raw: NodeFs.readFileSync(NodePath.join(dir, file), "utf8") }])),
          Effect.either(
            responses.create({ input: "replay", prompt_cache_key: file }).pipe(
              CodexConfig.withCallPolicy({ transport })
            )
          )
        )
      for (const file of files) {
        const overSse = yield* collect(file, "sse")
        const overSocket = yield* collect(file, "websocket")
        assert.strictEqual(overSocket._tag, overSse._tag, file)
        if (overSse._tag === "Right" && overSocket._tag === "Right") {
          assert.deepStrictEqual(overSocket.right, overSse.right, file)
        }
        if (overSse._tag === "Left" && overSocket._tag === "Left") {
          assert.strictEqual(overSocket.left._tag, overSse.left._tag, file)
        }
      }
      assert.strictEqual((yield* emulator.sockets).opened, files.length)
    }).pipe(withSocket({ maxStreamRetries: 0 })))
})
