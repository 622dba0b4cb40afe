import { assert, describe, it } from "@effect/vitest"
import { Chunk, Deferred, Duration, Effect, Fiber, Stream, TestClock } from "effect"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { CodexAccount, CodexConfig, Models } from "../src/index.js"
import { Response, Responses, ResponseStreamEvent } from "../src/index.js"
import { inputTokens } from "../src/internal/emulator/context.js"
import { knownUnsupported } from "../src/internal/request.js"
import { flowingEvents } from "./fixtures.js"
import { layerClient } from "./helpers.js"

const withEmulator = (config: CodexConfig.Options = {}, options: CodexEmulator.Options = {}) =>
  Effect.provide(layerClient({ ...options, config: { retryBaseDelay: Duration.millis(1), ...config } }))

/** The `websocket` vitest project sends `/responses` over the WebSocket route. */
const overWebSocket = process.env["CODEX_TEST_RESPONSES_TRANSPORT"] === "websocket"

const services = Effect.all({ responses: Responses.Responses, emulator: CodexEmulator.CodexEmulator })

const bodies = Effect.map(
  CodexEmulator.CodexEmulator.pipe(Effect.flatMap((e) => e.requests)),
  (requests) => requests.map((r) => r.body as Record<string, unknown>)
)

/** Parameters a TypeScript caller could not write, as a JavaScript caller might send them. */
const untyped = (params: Record<string, unknown>): Responses.CreateParams => params as unknown as Responses.CreateParams

describe("Responses against the emulator", () => {
  it.live("the websocket vitest project sends /responses over the WebSocket route, the others over HTTP", (ctx) =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      yield* responses.create({ input: "Over which route?" })
      assert.strictEqual((yield* emulator.sockets).opened, ctx.task.file.projectName === "websocket" ? 1 : 0)
    }).pipe(withEmulator()))

  it.live("create: collected text, and the request as the backend wants it", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      const response = yield* responses.create({ input: "Say PONG.", prompt_cache_key: "conv-1" })
      assert.strictEqual(response.output_text, "You said: Say PONG.")
      assert.strictEqual(response.status, "completed")
      assert.match(response.id, /^resp_[0-9a-f]{32}$/, "a fresh id per response")
      const [request] = yield* emulator.requests
      // The emulator counts the input at about 4 characters a token.
      assert.deepStrictEqual(response.usage?.input_tokens, inputTokens(request?.body as Record<string, unknown>))
      assert.deepStrictEqual(response.usage?.total_tokens, (response.usage?.input_tokens ?? 0) + 5)
      assert.deepStrictEqual(request?.body, {
        model: "gpt-5.4",
        instructions: "",
        input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "Say PONG." }] }],
        tools: [],
        parallel_tool_calls: false,
        prompt_cache_key: "conv-1",
        tool_choice: "auto",
        store: false,
        stream: true,
        include: []
      })
      const headers = request?.headers ?? {}
      assert.match(headers["authorization"] ?? "", /^Bearer ey/)
      assert.strictEqual(headers["chatgpt-account-id"], "acct_emulated")
      assert.strictEqual(headers["originator"], "codex_cli_rs")
      assert.strictEqual(headers["version"], CodexConfig.codexCliVersion)
      assert.strictEqual(CodexConfig.codexCliVersion, "0.169.0", "the pinned Codex CLI (npm run conformance)")
      if (overWebSocket) assert.strictEqual(headers["openai-beta"], "responses_websockets=2026-02-06")
      else assert.strictEqual(headers["accept"], "text/event-stream")
      assert.strictEqual(headers["session_id"], "conv-1")
      assert.match(headers["user-agent"] ?? "", /^codex_cli_rs\/0\.169\.0 \(.+\) node\/\d+/)
      assert.isUndefined(headers["traceparent"], "no trace headers go to the backend")
      assert.isUndefined(headers["x-openai-fedramp"])
    }).pipe(withEmulator()))

  it.live("stream: the deltas of a streamed call add up to the collected text", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      const answer = "Streaming works, one delta at a time — ✓"
      yield* emulator.script(CodexEmulator.text(answer), CodexEmulator.text(answer))
      const events = Chunk.toReadonlyArray(yield* Stream.runCollect(responses.stream({ input: "go" })))
      const text = events.map(ResponseStreamEvent.textDelta).filter((d) => d !== undefined).join("")
      assert.strictEqual(text, answer)
      assert.strictEqual(events[0]?.type, "response.created")
      assert.strictEqual(events.at(-1)?.type, "response.completed")
      const collected = yield* responses.create({ input: "go" })
      assert.strictEqual(collected.output_text, answer)
    }).pipe(withEmulator()))

  it.live("every event type arrives decoded, and an unknown type passes through", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      const wire = flowingEvents()
      const frames = [...wire.slice(0, 3), { type: "keepalive" }, { raw: ": comment\n\n" }, ...wire.slice(3)]
      yield* emulator.script(CodexEmulator.sse(frames), CodexEmulator.sse(frames))
      const events = Chunk.toReadonlyArray(yield* Stream.runCollect(responses.stream({ input: "x" })))
      const expected = [...wire.slice(0, 3).map((e) => e["type"]), "unknown", ...wire.slice(3).map((e) => e["type"])]
      assert.deepStrictEqual(events.map((e) => e.type), expected)
      for (const event of events) yield* ResponseStreamEvent.decode(event.type === "unknown" ? event.data : event)
      const unknown = events.find(ResponseStreamEvent.is("unknown"))
      assert.strictEqual(unknown?.event, "keepalive")
      const response = yield* responses.create({ input: "x" })
      assert.strictEqual(response.output_text, "Hello")
      assert.strictEqual(Response.reasoningSummary(response), "Thinking")
      assert.strictEqual(response.usage?.total_tokens, 8)
    }).pipe(withEmulator()))

  it.live("function calling round trip with reasoning summary and usage", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      const tools = [{
        type: "function",
        name: "get_weather",
        description: "Get the current weather for a city.",
        parameters: {
          type: "object",
          properties: { city: { type: "string" } },
          required: ["city"],
          additionalProperties: false
        }
      }] as const
      const first = yield* responses.create({
        input: "What's the weather in Paris? call tool get_weather",
        tools,
        reasoning: { effort: "low", summary: "auto" }
      })
      const call = first.output.find(Response.isFunctionCall)
      assert.strictEqual(call?.name, "get_weather")
      assert.deepStrictEqual(JSON.parse(call?.arguments ?? ""), { city: "Paris" })
      assert.strictEqual(Response.reasoningSummary(first), "The user wants a short, direct answer.")
      assert.isAbove(first.usage?.output_tokens_details?.reasoning_tokens ?? 0, 0)
      if (call === undefined) return
      const second = yield* responses.create({
        input: [call, { type: "function_call_output", call_id: call.call_id, output: "{\"temperature\":18}" }],
        tools
      })
      assert.strictEqual(second.output_text, "The tool returned {\"temperature\":18}.")
      const sent = (yield* bodies)[1]
      assert.deepStrictEqual(sent?.["input"], [
        {
          type: "function_call",
          status: "completed",
          call_id: call.call_id,
          name: "get_weather",
          arguments: "{\"city\":\"Paris\"}"
        },
        { type: "function_call_output", call_id: call.call_id, output: "{\"temperature\":18}" }
      ], "the replayed call has its id stripped")
      assert.deepStrictEqual((yield* bodies)[0]?.["include"], ["reasoning.encrypted_content"])
      assert.lengthOf(yield* emulator.requests, 2)
    }).pipe(withEmulator()))

  it.live("structured output: the chat-style format is flattened and the JSON parses", () =>
    Effect.gen(function*() {
      const { responses } = yield* services
      const schema = {
        title: "person",
        type: "object",
        properties: { name: { type: "string" }, age: { type: "integer" } },
        required: ["name", "age"],
        additionalProperties: false
      }
      const response = yield* responses.create({
        input: "Extract: Bob is 42 years old.",
        text: { format: { type: "json_schema", json_schema: { schema } } }
      })
      assert.deepStrictEqual(JSON.parse(response.output_text), { name: "example name", age: 42 })
      assert.deepStrictEqual((yield* bodies)[0]?.["text"], {
        format: { type: "json_schema", name: "person", schema, strict: true }
      })
    }).pipe(withEmulator()))

  for (const lineEnding of ["\n", "\r\n", "\r"] as const) {
    it.live(`${JSON.stringify(lineEnding)} framing, 1 byte per chunk, multi-byte UTF-8`, () =>
      Effect.gen(function*() {
        const { emulator, responses } = yield* services
        const answer = "naïve café — 日本語 🎉🚀 done"
        yield* emulator.script(
          CodexEmulator.sse(CodexEmulator.textEvents(answer, { deltaSize: 3 }), { chunkSize: 1, lineEnding })
        )
        const response = yield* responses.create({ input: "unicode" })
        assert.strictEqual(response.output_text, answer)
      }).pipe(withEmulator()))
  }

  it.live("every unsupported parameter is rejected before anything is sent", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      for (const parameter of [...knownUnsupported, "made_up_option"]) {
        const params = untyped({ input: "x", [parameter]: 1 })
        const created = yield* Effect.flip(responses.create(params))
        const streamed = yield* Effect.flip(Stream.runDrain(responses.stream(params)))
        const compacted = yield* Effect.flip(responses.compact(params))
        for (const error of [created, streamed, compacted]) {
          assert.strictEqual(error._tag, "UnsupportedParameter")
          if (error._tag === "UnsupportedParameter") {
            assert.strictEqual(error.parameter, parameter)
            assert.strictEqual(error.origin, "client")
            assert.include(error.message, parameter)
          }
        }
      }
      assert.lengthOf(yield* emulator.requests, 0)
    }).pipe(withEmulator()))

  it.live("lenient policy drops unsupported parameters and sends the rest", () =>
    Effect.gen(function*() {
      const { responses } = yield* services
      const response = yield* responses.create(untyped({ input: "x", temperature: 0.2, max_output_tokens: 10 }))
      assert.strictEqual(response.output_text, "You said: x")
      const [body] = yield* bodies
      assert.isFalse("temperature" in (body ?? {}))
      assert.isFalse("max_output_tokens" in (body ?? {}))
    }).pipe(withEmulator({ parameterPolicy: "lenient" })))

  it.live("bad input fails with InvalidParameter naming it, before anything is sent", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ input: "x", store: true }, "store"],
        [{ input: "x", stream: true }, "stream"],
        [{ input: 42 }, "input"],
        [{ input: "x", tools: [{ type: "function", name: "bad name!" }] }, "tools[0].name"],
        [
          { input: "x", tools: [{ type: "function", name: "f", parameters: { type: "array" } }] },
          "tools[0].parameters"
        ],
        [{ input: [{ type: "function_call_output", call_id: "c9", output: "x" }] }, "input[0].call_id"],
        [{ input: [{ type: "item_reference", id: "msg_1" }] }, "input[0]"],
        [{ input: [{ role: "robot", content: "x" }] }, "input[0].role"],
        [{ input: "x", service_tier: "flex" }, "service_tier"],
        [{ input: "x", tool_choice: { type: "function", name: "missing" } }, "tool_choice.name"],
        [{
          input: "x",
          text: { format: { type: "json_schema", schema: { type: "object", properties: { a: { type: "string" } } } } }
        }, "text.format.schema"],
        [{
          input: "x",
          text: {
            format: {
              type: "json_schema",
              schema: {
                type: "object",
                properties: {
                  inner: { type: "object", properties: { b: { type: "string" } }, additionalProperties: false }
                },
                required: ["inner"],
                additionalProperties: false
              }
            }
          }
        }, "text.format.schema.properties.inner"]
      ]
      for (const [params, parameter] of cases) {
        const error = yield* Effect.flip(responses.create(untyped(params)))
        assert.strictEqual(error._tag, "InvalidParameter", JSON.stringify(params))
        if (error._tag === "InvalidParameter") assert.strictEqual(error.parameter, parameter)
      }
      assert.lengthOf(yield* emulator.requests, 0)
    }).pipe(withEmulator()))

  it.live("the emulator validates like the backend: its 400s map to typed errors", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      const pro = yield* Effect.flip(responses.create({ model: "gpt-5.4-pro", input: "x" }))
      assert.strictEqual(pro._tag, "ModelNotAvailable")
      yield* emulator.script(CodexEmulator.http(400, { detail: "Unsupported parameter: verbosity" }))
      const unsupported = yield* Effect.flip(responses.create({ input: "x" }))
      assert.isTrue(
        unsupported._tag === "UnsupportedParameter" && unsupported.origin === "server" &&
          unsupported.parameter === "verbosity"
      )
      yield* emulator.script(CodexEmulator.http(400, { detail: "Instructions are required" }))
      const invalid = yield* Effect.flip(responses.create({ input: "x" }))
      assert.isTrue(
        invalid._tag === "InvalidRequest" && invalid.detail === "Instructions are required" && invalid.status === 400
      )
      yield* emulator.script(CodexEmulator.http(400, { error: { code: "cyber_policy", message: "flagged" } }))
      assert.strictEqual((yield* Effect.flip(responses.create({ input: "x" })))._tag, "CyberPolicy")
      yield* emulator.script(CodexEmulator.http(404, { detail: "Not Found" }))
      assert.strictEqual((yield* Effect.flip(responses.create({ input: "x" })))._tag, "NotFound")
      assert.lengthOf(yield* emulator.requests, 5, "none of these is retried")
    }).pipe(withEmulator()))

  it.live("429 usage limit: RateLimited with plan, reset time, snapshot and request id; never retried", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      yield* emulator.script(CodexEmulator.usageLimit({ planType: "pro", resetsAt: 1767240000 }))
      const error = yield* Effect.flip(responses.create({ input: "x" }))
      assert.strictEqual(error._tag, "RateLimited")
      if (error._tag !== "RateLimited") return
      assert.strictEqual(error.kind, "usage_limit_reached")
      assert.strictEqual(error.planType, "pro")
      assert.strictEqual(error.resetsAt?.getTime(), 1767240000_000)
      assert.strictEqual(error.promoMessage, "Upgrade for more usage")
      assert.strictEqual(error.requestId, "req_emulated_429")
      assert.strictEqual(error.status, 429)
      assert.deepStrictEqual(error.rateLimits?.[0]?.primary, {
        used_percent: 100,
        window_minutes: 300,
        resets_at: 1767240000
      })
      assert.include(error.message, "usage limit")
      assert.lengthOf(yield* emulator.requests, 1)
    }).pipe(withEmulator()))

  it.live("5xx before the first event is retried (up to 4 times), overloaded 503 is not", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      const boom = CodexEmulator.http(500, { error: { message: "high demand" } })
      yield* emulator.script(boom, CodexEmulator.http(502, "Bad Gateway"))
      assert.strictEqual((yield* responses.create({ input: "retry me" })).output_text, "You said: retry me")
      assert.lengthOf(yield* emulator.requests, 3)

      yield* emulator.reset
      yield* emulator.script(boom, boom, boom, boom, boom)
      const failed = yield* Effect.flip(responses.create({ input: "x" }))
      assert.isTrue(failed._tag === "ServerError" && !failed.overloaded && failed.status === 500)
      assert.lengthOf(yield* emulator.requests, 5)

      yield* emulator.reset
      yield* emulator.script(CodexEmulator.http(503, { error: { code: "server_is_overloaded", message: "capacity" } }))
      const overloaded = yield* Effect.flip(responses.create({ input: "x" }))
      assert.isTrue(overloaded._tag === "ServerError" && overloaded.overloaded)
      assert.lengthOf(yield* emulator.requests, 1)
    }).pipe(withEmulator()))

  it.live("a 429 with Retry-After is retried after it; one longer than the cap fails at once", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      const throttled = (headers: Record<string, string>) =>
        CodexEmulator.http(429, {
          error: { type: "rate_limit_exceeded", code: "rate_limit_exceeded", message: "slow down" }
        }, headers)
      yield* emulator.script(throttled({ "retry-after-ms": "5" }))
      assert.strictEqual((yield* responses.create({ input: "x" })).output_text, "You said: x")
      assert.lengthOf(yield* emulator.requests, 2)

      yield* emulator.reset
      yield* emulator.script(throttled({ "retry-after": "120" }))
      const error = yield* Effect.flip(responses.create({ input: "x" }))
      assert.isTrue(error._tag === "RateLimited" && error.kind === "rate_limit_exceeded")
      if (error._tag === "RateLimited") {
        assert.strictEqual(Duration.toMillis(error.retryAfter ?? Duration.zero), 120_000)
      }
      assert.lengthOf(yield* emulator.requests, 1)
    }).pipe(withEmulator()))

  it.live("response.failed: the stream emits it, then fails with the typed error", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      yield* emulator.script(CodexEmulator.sse(CodexEmulator.failedEvents("context_length_exceeded", "too long")))
      const seen: Array<string> = []
      const error = yield* Effect.flip(
        Stream.runForEach(responses.stream({ input: "x" }), (e) => Effect.sync(() => seen.push(e.type)))
      )
      assert.deepStrictEqual(seen, ["response.created", "response.failed"])
      assert.strictEqual(error._tag, "ContextWindowExceeded")
    }).pipe(withEmulator()))

  it.live("a cut stream is StreamInterrupted, never a completed response", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      const cut = CodexEmulator.sse(CodexEmulator.textEvents("never finished", { id: "resp_cut" }).slice(0, -1))
      yield* emulator.script(
        cut,
        cut,
        CodexEmulator.sse(CodexEmulator.textEvents("partial").slice(0, 4), { ending: "reset" })
      )
      const streamed = yield* Effect.flip(Stream.runDrain(responses.stream({ input: "x" })))
      assert.isTrue(streamed._tag === "StreamInterrupted" && streamed.responseId === "resp_cut")
      const collected = yield* Effect.flip(responses.create({ input: "x" }))
      assert.strictEqual(collected._tag, "StreamInterrupted")
      const reset = yield* Effect.flip(responses.create({ input: "x" }))
      assert.strictEqual(reset._tag, "StreamInterrupted")
      assert.lengthOf(yield* emulator.requests, 3, "no retry with maxStreamRetries: 0")
    }).pipe(withEmulator({ maxStreamRetries: 0 })))

  it.live("a collected call redoes the request after a cut stream (maxStreamRetries)", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      yield* emulator.script(
        CodexEmulator.sse(CodexEmulator.textEvents("lost").slice(0, 5)),
        CodexEmulator.sse(CodexEmulator.failedEvents("server_error", "transient")),
        CodexEmulator.text("third time lucky")
      )
      assert.strictEqual((yield* responses.create({ input: "x" })).output_text, "third time lucky")
      assert.lengthOf(yield* emulator.requests, 3)
    }).pipe(withEmulator({ maxStreamRetries: 2 })))

  // SSE framing: over the WebSocket a message that is not JSON is an error (ResponsesWebSocket.test.ts).
  it.live.skipIf(overWebSocket)(
    "malformed frames are skipped; a malformed known event is a DecodeError",
    () =>
      Effect.gen(function*() {
        const { emulator, responses } = yield* services
        const events = CodexEmulator.textEvents("survives")
        yield* emulator.script(
          CodexEmulator.sse([...events.slice(0, 3), { raw: "data: {not json\n\n" }, { raw: "data: [DONE]\n\n" }, {
            raw: "data: 42\n\n"
          }, ...events.slice(3)]),
          CodexEmulator.sse([events[0] ?? {}, {
            type: "response.output_text.delta",
            output_index: 0,
            content_index: 0
          }])
        )
        assert.strictEqual((yield* responses.create({ input: "x" })).output_text, "survives")
        const error = yield* Effect.flip(responses.create({ input: "x" }))
        assert.strictEqual(error._tag, "DecodeError")
        if (error._tag === "DecodeError") assert.include(error.message, "\"delta\"")
        assert.strictEqual(error._tag === "DecodeError" ? error.endpoint : undefined, "POST /responses")
      }).pipe(withEmulator({ maxStreamRetries: 0 }))
  )

  // A handshake answered with a 200 falls back to SSE (ResponsesWebSocket.test.ts).
  it.live.skipIf(overWebSocket)("a 200 that is not an event stream fails clearly", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      yield* emulator.script(
        CodexEmulator.http(200, { ok: true }),
        CodexEmulator.http(200, "<!DOCTYPE html><title>Just a moment...</title>", { "content-type": "text/html" }),
        CodexEmulator.http(403, "<!DOCTYPE html><title>Attention Required! | Cloudflare</title>", {
          "content-type": "text/html",
          "cf-ray": "8abc-FRA"
        }),
        CodexEmulator.http(403, { error: { code: "unsupported_country_region_territory", message: "no" } })
      )
      const json = yield* Effect.flip(responses.create({ input: "x" }))
      assert.isTrue(
        json._tag === "DecodeError" && json.contentType === "application/json" && json.frame === "{\"ok\":true}"
      )
      assert.strictEqual(json._tag === "DecodeError" ? json.endpoint : undefined, "POST /responses")
      const challenge = yield* Effect.flip(responses.create({ input: "x" }))
      assert.isTrue(challenge._tag === "PermissionDenied" && challenge.reason === "cloudflare")
      const blocked = yield* Effect.flip(responses.create({ input: "x" }))
      assert.isTrue(
        blocked._tag === "PermissionDenied" && blocked.reason === "cloudflare" && blocked.cfRay === "8abc-FRA"
      )
      if (blocked._tag === "PermissionDenied") assert.include(blocked.message, "not a DNS or network failure")
      const region = yield* Effect.flip(responses.create({ input: "x" }))
      assert.isTrue(region._tag === "PermissionDenied" && region.reason === "region_blocked")
    }).pipe(withEmulator()))

  it.live("401 with nothing to recover is AuthExpired, carrying the diagnostic, without the token", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      const error = yield* Effect.flip(responses.create({ input: "x" }))
      assert.isTrue(
        error._tag === "AuthExpired" && error.reason === "unauthorized" && error.errorCode === "token_expired"
      )
      assert.notInclude(error.message, "eyJ")
      assert.notInclude(JSON.stringify(error), "eyJ")
      assert.lengthOf(yield* emulator.requests, 1)
    }).pipe(withEmulator({}, { acceptToken: () => false })))

  it.live("interrupting a stream closes the server-side connection", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      yield* emulator.script(CodexEmulator.sse(CodexEmulator.textEvents("slow").slice(0, 4), { ending: "stall" }))
      const started = yield* Deferred.make<void>()
      const fiber = yield* responses.stream({ input: "x" }).pipe(
        Stream.tap(() => Deferred.succeed(started, undefined)),
        Stream.runDrain,
        Effect.fork
      )
      yield* Deferred.await(started)
      const before = Date.now()
      yield* Fiber.interrupt(fiber)
      while ((yield* emulator.abortedStreams) === 0 && Date.now() - before < 2000) yield* Effect.sleep("2 millis")
      assert.strictEqual(yield* emulator.abortedStreams, 1)
      assert.isBelow(Date.now() - before, 500)
    }).pipe(withEmulator()))

  it.effect("a silent stream fails with Timeout after streamIdleTimeout (TestClock)", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      yield* emulator.script(CodexEmulator.sse(CodexEmulator.textEvents("stall").slice(0, 4), { ending: "stall" }))
      const started = yield* Deferred.make<void>()
      const fiber = yield* responses.stream({ input: "x" }).pipe(
        Stream.tap(() => Deferred.succeed(started, undefined)),
        Stream.runDrain,
        Effect.either,
        Effect.fork
      )
      yield* Deferred.await(started)
      yield* TestClock.adjust("299 seconds")
      assert.isTrue(fiber.unsafePoll() === null, "still waiting before the limit")
      yield* TestClock.adjust("2 seconds")
      const result = yield* Fiber.join(fiber)
      assert.isTrue(result._tag === "Left" && result.left._tag === "Timeout" && result.left.phase === "idle")
      if (result._tag === "Left") assert.include(result.left.message, "idle timeout waiting for SSE")
    }).pipe(withEmulator()))

  it.live("compaction round trip: a compaction_trigger on /responses, and the compacted output replays as the next input", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      const history: Array<Responses.InputItem> = [
        { role: "developer", content: "Be brief." },
        { role: "user", content: "My name is Alice. Say OK." },
        { role: "assistant", content: "OK" },
        { role: "assistant", content: "Noted." },
        { role: "user", content: "Remember it." }
      ]
      const compacted = yield* responses.compact({ instructions: "Keep task-critical context.", input: history })
      assert.deepStrictEqual(compacted.output.map((item) => item.type === "message" ? item.role : item.type), [
        "developer",
        "user",
        "user",
        "compaction"
      ], "the kept messages, then the one compaction item")
      assert.isBelow(compacted.output.length, history.length, "the history got shorter")
      assert.match(compacted.id ?? "", /^resp_/)
      const reply = yield* responses.create({
        input: [...compacted.output, { role: "user", content: "What is my name?" }]
      })
      assert.strictEqual(reply.output_text, "You said: What is my name?")
      const [compactRequest, nextRequest] = yield* emulator.requests
      assert.strictEqual(compactRequest?.path, "/backend-api/codex/responses")
      assert.strictEqual(compactRequest?.headers["x-codex-beta-features"], "remote_compaction_v2")
      const compactBody = compactRequest?.body as Record<string, unknown>
      assert.strictEqual(compactBody["instructions"], "Keep task-critical context.")
      assert.isTrue(compactBody["stream"] === true && compactBody["store"] === false)
      assert.deepStrictEqual(compactBody["include"], ["reasoning.encrypted_content"])
      const sent = compactBody["input"] as Array<Record<string, unknown>>
      assert.deepStrictEqual(sent[sent.length - 1], { type: "compaction_trigger" })
      assert.lengthOf(sent, history.length + 1)
      const replayed = ((nextRequest?.body as Record<string, unknown>)["input"] as Array<Record<string, unknown>>)
        .find((i) => i["type"] === "compaction")
      assert.strictEqual(
        replayed?.["encrypted_content"],
        compacted.output.find(Response.isCompaction)?.encrypted_content
      )
    }).pipe(withEmulator()))

  it.live("compaction: a reply with no compaction item or two is a DecodeError; response.failed is ResponseFailed", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      const two = CodexEmulator.sse([
        ...CodexEmulator.textEvents("x").slice(0, 2),
        { type: "response.output_item.done", output_index: 0, item: { type: "compaction", encrypted_content: "a" } },
        { type: "response.output_item.done", output_index: 1, item: { type: "compaction", encrypted_content: "b" } },
        ...CodexEmulator.textEvents("x").slice(-1)
      ])
      yield* emulator.script(
        CodexEmulator.text("I will not compact."),
        two,
        CodexEmulator.sse(CodexEmulator.failedEvents("server_error", "compaction failed"))
      )
      const input = [{ role: "user" as const, content: "hi" }]
      const none = yield* Effect.flip(responses.compact({ input }))
      assert.strictEqual(none._tag, "DecodeError")
      assert.include(none.message, "exactly one compaction item, this one held 0")
      const several = yield* Effect.flip(responses.compact({ input }))
      assert.include(several.message, "held 2")
      const failed = yield* Effect.flip(
        responses.compact({ input }).pipe(CodexConfig.withCallPolicy({ maxStreamRetries: 0 }))
      )
      assert.strictEqual(failed._tag, "ResponseFailed")
    }).pipe(withEmulator()))

  it.live("compaction: the legacy route answers 404 by default, so compactVia legacy falls back to the trigger", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      const compacted = yield* responses.compact({
        input: [{ role: "user", content: "hi" }, { role: "assistant", content: "hello" }]
      })
      assert.lengthOf(compacted.output.filter(Response.isCompaction), 1)
      const paths = (yield* emulator.requests).map((r) => r.path)
      assert.deepStrictEqual(paths, ["/backend-api/codex/responses/compact", "/backend-api/codex/responses"])
    }).pipe(withEmulator({ compactVia: "legacy" })))

  it.live("compaction: compactVia legacy uses POST /responses/compact where it is served; a 404 on the trigger falls back to it", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      const history: Array<Responses.InputItem> = [{ role: "user", content: "hi" }, {
        role: "assistant",
        content: "hello"
      }]
      const legacy = yield* Effect.flatMap(Responses.Responses, (viaLegacy) => viaLegacy.compact({ input: history }))
        .pipe(
          Effect.provide(Responses.layer),
          Effect.provide(CodexConfig.layer({ ...emulator.config, compactVia: "legacy" }))
        )
      assert.strictEqual(legacy.object, "response.compacted")
      const legacyBody = (yield* emulator.requests)[0]?.body as Record<string, unknown>
      assert.isFalse("stream" in legacyBody || "store" in legacyBody || "tool_choice" in legacyBody)
      yield* emulator.reset
      yield* emulator.script(CodexEmulator.http(404, { detail: "Not Found" }))
      const fallback = yield* responses.compact({ input: history })
      assert.lengthOf(fallback.output.filter(Response.isCompaction), 1)
      assert.deepStrictEqual((yield* emulator.requests).map((r) => r.path), [
        "/backend-api/codex/responses",
        "/backend-api/codex/responses/compact"
      ])
    }).pipe(withEmulator({ maxRetries: 0 }, { legacyCompaction: true })))
})

describe("accessors: the common calls without taking the service first", () => {
  it.live("Responses.create / stream / compact, Models.list / retrieve, CodexAccount.usage", () =>
    Effect.gen(function*() {
      const response = yield* Responses.create({ input: "Say PONG." })
      assert.strictEqual(response.output_text, "You said: Say PONG.")
      const types = yield* Stream.runCollect(Stream.map(Responses.stream({ input: "hi" }), (event) => event.type))
      assert.strictEqual(Chunk.unsafeLast(types), "response.completed")
      const compacted = yield* Responses.compact({ input: [{ role: "user", content: "a long task" }] })
      assert.isTrue(compacted.output.some((item) => item.type === "compaction"))
      const models = yield* Models.list()
      assert.include(models.data.map((m) => m.id), "gpt-5.4")
      assert.strictEqual((yield* Models.retrieve("gpt-5.4")).id, "gpt-5.4")
      assert.isString((yield* CodexAccount.usage()).plan_type)
    }).pipe(Effect.provide(layerClient())))
})
