import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Layer, Schema, Stream } from "effect"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { Conversation, Models, RateLimits, Responses, Tools } from "../src/index.js"
import { compactionEvents } from "../src/internal/emulator/events.js"
import { models as ModelCatalog } from "../src/internal/emulator/models.js"
import { layerClient } from "./helpers.js"

/**
 * Conversations against the emulator: the history replayed as the backend needs it, a
 * stable `prompt_cache_key`, failed and cut turns that change nothing, automatic
 * compaction before the context fills up, and the retry after a context-length error.
 */
const client = (options: Parameters<typeof CodexEmulator.layerClient>[0] = {}) =>
  Conversation.layer.pipe(
    Layer.provideMerge(
      layerClient({ ...options, config: { retryBaseDelay: Duration.millis(1), ...options.config } })
    )
  )

const services = Effect.all({ conversations: Conversation.Conversations, emulator: CodexEmulator.CodexEmulator })

/** The recorded `/responses` request bodies (SSE posts and WebSocket frames alike). */
const bodies = Effect.map(
  Effect.flatMap(CodexEmulator.CodexEmulator, (e) => e.requests),
  (requests) => requests.filter((r) => r.path.endsWith("/responses")).map((r) => r.body as Record<string, unknown>)
)

const typesOf = (items: ReadonlyArray<unknown>) => items.map((item) => (item as { type: string }).type)

describe("Conversation", () => {
  it.effect("replays the history turn after turn under one prompt_cache_key and session_id", () =>
    Effect.gen(function*() {
      const { conversations, emulator } = yield* services
      const chat = yield* conversations.start({ id: "conv-1", instructions: "Be brief." })
      const first = yield* chat.send("one")
      const second = yield* chat.send("two")
      assert.strictEqual(first.output_text, "You said: one")
      assert.strictEqual(second.output_text, "You said: two")
      const history = yield* chat.history
      assert.deepStrictEqual(typesOf(history), ["message", "message", "message", "message"])
      assert.isFalse(history.some((item) => "id" in item), "ids are stripped")
      const requests = yield* emulator.requests
      const posted = requests.filter((r) => r.path.endsWith("/responses"))
      for (const request of posted) {
        assert.strictEqual((request.body as { prompt_cache_key: string }).prompt_cache_key, "conv-1")
        if (request.method === "POST") assert.strictEqual(request.headers["session_id"], "conv-1")
      }
      const usage = yield* chat.usage
      assert.isDefined(usage)
    }).pipe(Effect.provide(client())))

  it.effect("keeps reasoning with its encrypted_content and asks for it", () =>
    Effect.gen(function*() {
      const { conversations } = yield* services
      const chat = yield* conversations.start({ reasoning: { effort: "low", summary: "auto" } })
      yield* chat.send("think")
      yield* chat.send("again")
      const [, second] = yield* bodies
      assert.deepStrictEqual((second as { include: Array<string> }).include, ["reasoning.encrypted_content"])
      const history = yield* chat.history
      const reasoning = history.find((item) => item.type === "reasoning") as Record<string, unknown> | undefined
      assert.isDefined(reasoning)
      assert.strictEqual(reasoning?.["encrypted_content"], "gAAAAB-emulated")
      assert.isUndefined(reasoning?.["id"])
    }).pipe(Effect.provide(client())))

  it.effect("a tool loop turn by turn: the output follows its call", () =>
    Effect.gen(function*() {
      const { conversations } = yield* services
      const chat = yield* conversations.start({
        tools: [{
          type: "function",
          name: "add",
          parameters: { type: "object", properties: { a: { type: "number" } } }
        }]
      })
      const called = yield* chat.send("call tool add with {\"a\": 1}")
      const call = called.output.find((item) => item.type === "function_call") as { call_id: string } | undefined
      assert.isDefined(call)
      const answered = yield* chat.send([{ type: "function_call_output", call_id: call!.call_id, output: "2" }])
      assert.strictEqual(answered.output_text, "The tool returned 2.")
      assert.deepStrictEqual(typesOf(yield* chat.history), [
        "message",
        "function_call",
        "function_call_output",
        "message"
      ])
    }).pipe(Effect.provide(client())))

  it.effect("Tools.run with a conversation: each step sends only its new items, the conversation keeps the history", () =>
    Effect.gen(function*() {
      const { conversations } = yield* services
      const chat = yield* conversations.start({ id: "tools-conv" })
      yield* chat.send("hello")
      const add = Tools.make("add", {
        parameters: Schema.Struct({ a: Schema.Number, b: Schema.Number }),
        handler: ({ a, b }) => Effect.succeed(String(a + b))
      })
      const result = yield* Tools.run({
        tools: [add],
        input: "call tool add with {\"a\": 2, \"b\": 3}",
        conversation: chat
      })
      assert.strictEqual(result.response.output_text, "The tool returned 5.")
      assert.strictEqual(result.steps, 2)
      assert.deepStrictEqual(typesOf(result.items), [
        "message",
        "message",
        "message",
        "function_call",
        "function_call_output",
        "message"
      ])
      const sent = yield* bodies
      assert.isTrue(sent.every((body) => body["prompt_cache_key"] === "tools-conv"))
      assert.strictEqual((sent.at(-1)?.["tools"] as Array<unknown>).length, 1, "the loop's tools go with its turns")
      const after = yield* chat.send("thanks")
      assert.strictEqual(after.output_text, "You said: thanks")
      assert.deepStrictEqual((yield* bodies).at(-1)?.["tools"], [], "the conversation's own turns keep its settings")
    }).pipe(Effect.provide(client())))

  it.effect("a failed turn and a cut stream change nothing", () =>
    Effect.gen(function*() {
      const { conversations, emulator } = yield* services
      const chat = yield* conversations.start()
      yield* chat.send("kept")
      const before = yield* chat.history
      yield* emulator.script(CodexEmulator.http(400, { detail: "nope" }))
      assert.isTrue(Exit.isFailure(yield* Effect.exit(chat.send("lost"))))
      yield* emulator.script(CodexEmulator.sse(CodexEmulator.textEvents("partial").slice(0, 3), { ending: "reset" }))
      const cut = yield* Effect.exit(Stream.runCollect(chat.stream("cut")))
      assert.isTrue(Exit.isFailure(cut))
      assert.deepStrictEqual(yield* chat.history, before)
      const events = yield* Stream.runCollect(chat.stream("streamed"))
      assert.isTrue([...events].some((event) => event.type === "response.completed"))
      assert.strictEqual((yield* chat.history).length, before.length + 2)
    }).pipe(Effect.provide(client({ config: { maxStreamRetries: 0 } }))))

  it.effect("fork shares the history so far; resume returns the conversation; unknown ids are NotFound", () =>
    Effect.gen(function*() {
      const { conversations } = yield* services
      const chat = yield* conversations.start({ id: "base" })
      yield* chat.send("shared")
      const branch = yield* chat.fork("branch")
      yield* branch.send("only in the branch")
      assert.strictEqual((yield* chat.history).length, 2)
      assert.strictEqual((yield* branch.history).length, 4)
      assert.strictEqual((yield* conversations.resume("base")).id, "base")
      const missing = yield* Effect.flip(conversations.resume("nobody"))
      assert.strictEqual(missing._tag, "NotFound")
      const taken = yield* Effect.flip(conversations.start({ id: "base" }))
      assert.strictEqual(taken._tag, "InvalidParameter")
      const requests = (yield* (yield* CodexEmulator.CodexEmulator).requests).length
      const malformed = yield* Effect.flip(conversations.start({ id: "../etc/passwd" }))
      assert.strictEqual(malformed._tag, "InvalidParameter")
      assert.strictEqual((yield* (yield* CodexEmulator.CodexEmulator).requests).length, requests, "nothing sent")
    }).pipe(Effect.provide(client())))

  it.effect("explicit compact replaces the history with the kept messages and one compaction item", () =>
    Effect.gen(function*() {
      const { conversations } = yield* services
      const chat = yield* conversations.start()
      yield* chat.send("one")
      yield* chat.send("two")
      const compaction = yield* chat.compact
      assert.strictEqual(compaction.via, "remote")
      assert.deepStrictEqual(typesOf(yield* chat.history), ["message", "message", "compaction"])
      const next = yield* chat.send("three")
      assert.strictEqual(next.output_text, "You said: three")
      const last = (yield* bodies).at(-1) as { input: Array<unknown> }
      assert.deepStrictEqual(typesOf(last.input), ["message", "message", "compaction", "message"])
    }).pipe(Effect.provide(client())))
})

/** A catalog whose gpt-5.4 has a tiny window: 1 000 tokens, compaction at 800. */
const tinyCatalog = ModelCatalog.map((model) =>
  model["slug"] === "gpt-5.4" ? { ...model, context_window: 1000, auto_compact_token_limit: 800 } : model
)

describe("Conversation: automatic compaction", () => {
  it.effect("30 turns with a small auto_compact_token_limit compact on their own and never overflow", () =>
    Effect.gen(function*() {
      const { conversations, emulator } = yield* services
      yield* emulator.setModels({ models: tinyCatalog, etag: "\"tiny\"" })
      const chat = yield* conversations.start({ id: "long-chat" })
      for (let turn = 1; turn <= 30; turn++) {
        const response = yield* chat.send(`turn ${turn}: lorem ipsum`)
        assert.strictEqual(response.status, "completed")
        assert.isBelow(response.usage?.input_tokens ?? Infinity, 800, `turn ${turn} stays under the limit`)
      }
      const compactions = yield* chat.compactions
      assert.isAtLeast(compactions.length, 2, "compacted on its own, more than once")
      assert.isTrue(
        compactions.every((c) => c.reason === "limit" && c.via === "remote" && c.itemsAfter < c.itemsBefore)
      )
      const sent = yield* bodies
      assert.isTrue(sent.every((body) => body["prompt_cache_key"] === "long-chat"), "prompt_cache_key constant")
      const compactionRequests = sent.filter((body) =>
        typesOf(body["input"] as Array<unknown>).at(-1) === "compaction_trigger"
      )
      assert.strictEqual(compactionRequests.length, compactions.length)
    }).pipe(Effect.provide(client())))

  it.effect("a context-length failure compacts and retries the turn once", () =>
    Effect.gen(function*() {
      const { conversations, emulator } = yield* services
      const chat = yield* conversations.start({ compactAt: 1_000_000 })
      yield* chat.send("one")
      yield* chat.send("two")
      yield* emulator.script(
        CodexEmulator.sse(
          CodexEmulator.failedEvents("context_length_exceeded", "Your input exceeds the context window of this model.")
        )
      )
      const response = yield* chat.send("three")
      assert.strictEqual(response.output_text, "You said: three")
      const [compaction] = yield* chat.compactions
      assert.strictEqual(compaction?.reason, "context_length")
      assert.deepStrictEqual(typesOf(yield* chat.history), ["message", "message", "compaction", "message", "message"])
      // The same as a 400 before the stream.
      yield* emulator.script(CodexEmulator.http(400, {
        error: {
          type: "invalid_request_error",
          code: "context_length_exceeded",
          message: "Your input exceeds the context window of this model."
        }
      }))
      assert.strictEqual((yield* chat.send("four")).output_text, "You said: four")
      assert.deepStrictEqual((yield* chat.compactions).map((c) => c.reason), ["context_length", "context_length"])
      // Retried once only: a second failure is the turn's error, and the history keeps the compaction alone.
      const overflow = CodexEmulator.sse(
        CodexEmulator.failedEvents("context_length_exceeded", "Your input exceeds the context window of this model.")
      )
      yield* emulator.script(overflow, CodexEmulator.sse(compactionEvents("gAAAAB-scripted")), overflow)
      const error = yield* Effect.flip(chat.send("five"))
      assert.strictEqual(error._tag, "ContextWindowExceeded")
      assert.notInclude(JSON.stringify(yield* chat.history), "five")
    }).pipe(Effect.provide(client())))

  it.effect("stream: a context-length failure compacts and the retried turn streams on; the failed event is not shown", () =>
    Effect.gen(function*() {
      const { conversations, emulator } = yield* services
      const chat = yield* conversations.start({ compactAt: 1_000_000 })
      yield* chat.send("one")
      yield* emulator.script(
        CodexEmulator.sse(
          CodexEmulator.failedEvents("context_length_exceeded", "Your input exceeds the context window of this model.")
        )
      )
      const events = [...yield* Stream.runCollect(chat.stream("two"))]
      assert.isFalse(events.some((event) => event.type === "response.failed"))
      assert.strictEqual(events.at(-1)?.type, "response.completed")
      assert.deepStrictEqual(typesOf(yield* chat.history), ["message", "compaction", "message", "message"])
    }).pipe(Effect.provide(client())))

  it.effect("the emulator enforces context_window with context_length_exceeded", () =>
    Effect.gen(function*() {
      const { emulator } = yield* services
      yield* emulator.setModels({ models: tinyCatalog, etag: "\"tiny\"" })
      const responses = yield* Responses.Responses
      const error = yield* Effect.flip(responses.create({ input: "x".repeat(5_000) }))
      assert.strictEqual(error._tag, "ContextWindowExceeded")
      const small = yield* responses.create({ input: "x".repeat(400) })
      assert.isAtLeast(small.usage?.input_tokens ?? 0, 100)
    }).pipe(Effect.provide(client())))

  it.effect("when remote compaction fails, a local summary turn stands in and says so", () =>
    Effect.gen(function*() {
      const { conversations, emulator } = yield* services
      const chat = yield* conversations.start()
      yield* chat.send("one")
      yield* emulator.script(
        CodexEmulator.http(400, { detail: "compaction unavailable" }),
        CodexEmulator.text("We talked about one.")
      )
      const compaction = yield* chat.compact
      assert.strictEqual(compaction.via, "local")
      const history = yield* chat.history
      assert.strictEqual(history.length, 1)
      assert.include(JSON.stringify(history[0]), "We talked about one.")
    }).pipe(Effect.provide(client())))
})

describe("Models.preflight and Conversation.start", () => {
  it.live("a typed verdict: catalog, plan, reasoning effort, verbosity, spent usage window", () =>
    Effect.gen(function*() {
      const models = yield* Models.Models
      const gpt54 = ModelCatalog.find((model) => model["slug"] === "gpt-5.4")
      yield* (yield* CodexEmulator.CodexEmulator).setModels({
        models: [...ModelCatalog, { ...gpt54, slug: "gpt-pro-only", available_in_plans: ["pro"] }],
        etag: "\"pro-only\""
      })
      const ready = yield* models.preflight({
        model: "gpt-5.4",
        reasoning: { effort: "high" },
        text: { verbosity: "low" }
      })
      assert.strictEqual(ready._tag, "Ready")
      const reasonOf = (verdict: Models.Verdict) => (verdict._tag === "Refused" ? verdict.reason : "ready")
      assert.strictEqual(reasonOf(yield* models.preflight({ model: "gpt-9" })), "unknown_model")
      assert.strictEqual(
        reasonOf(yield* models.preflight({ model: "gpt-pro-only" })),
        "not_in_plan",
        "the account is on plus"
      )
      assert.strictEqual(
        reasonOf(yield* models.preflight({ model: "gpt-5.4-mini", reasoning: { effort: "xhigh" } })),
        "reasoning_effort"
      )
      assert.strictEqual(
        reasonOf(yield* models.preflight({ model: "gpt-5.4-mini", text: { verbosity: "low" } })),
        "verbosity"
      )
      const resetsAt = Math.floor(Date.now() / 1000) + 3600
      yield* (yield* RateLimits.RateLimits).update("acct_emulated", [{
        limit_id: "codex",
        limit_name: null,
        primary: { used_percent: 100, window_minutes: 300, resets_at: resetsAt },
        secondary: null,
        credits: null,
        plan_type: "plus",
        rate_limit_reached_type: null
      }])
      const spent = yield* models.preflight({ model: "gpt-5.4" })
      assert.strictEqual(reasonOf(spent), "usage_limit")
      assert.strictEqual(spent._tag === "Refused" ? spent.resetsAt?.getTime() : undefined, resetsAt * 1000)
    }).pipe(Effect.provide(client())))

  it.live("before any reply carried rate limits, the preflight reads the account's usage", () =>
    Effect.gen(function*() {
      const models = yield* Models.Models
      const resetsAt = Math.floor(Date.now() / 1000) + 1800
      yield* (yield* CodexEmulator.CodexEmulator).scriptRoute(
        "usage",
        CodexEmulator.http(200, {
          plan_type: "plus",
          rate_limit: {
            allowed: false,
            limit_reached: true,
            primary_window: { used_percent: 100, limit_window_seconds: 18000, reset_at: resetsAt }
          },
          credits: { has_credits: false, unlimited: false, balance: "0" }
        })
      )
      assert.isUndefined(yield* (yield* RateLimits.RateLimits).latest, "no reply carried limits yet")
      const spent = yield* models.preflight({ model: "gpt-5.4" })
      assert.strictEqual(spent._tag === "Refused" ? spent.reason : "ready", "usage_limit")
      assert.strictEqual(spent._tag === "Refused" ? spent.resetsAt?.getTime() : undefined, resetsAt * 1000)
    }).pipe(Effect.provide(client())))

  it.effect("start fails with PreflightRefused before sending anything, unless told to skip it", () =>
    Effect.gen(function*() {
      const { conversations } = yield* services
      const refused = yield* Effect.flip(conversations.start({ model: "gpt-5.4-mini", reasoning: { effort: "xhigh" } }))
      assert.strictEqual(refused._tag, "PreflightRefused")
      assert.include(refused.message, "reasoning efforts low, medium, high")
      assert.strictEqual((yield* bodies).length, 0)
      const skipped = yield* conversations.start({
        model: "gpt-5.4-mini",
        reasoning: { effort: "xhigh" },
        preflight: false
      })
      assert.strictEqual(skipped.options.model, "gpt-5.4-mini")
    }).pipe(Effect.provide(client())))
})
