import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Stream } from "effect"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { Response, ResponseCollector } from "../src/index.js"
import type { ResponseStreamEvent } from "../src/index.js"

const collect = (events: ReadonlyArray<Record<string, unknown>>) =>
  ResponseCollector.collect(Stream.fromIterable(events as ReadonlyArray<ResponseStreamEvent.ResponseStreamEvent>))

describe("ResponseCollector", () => {
  it.effect("assembles text, reasoning summary and usage when completed.output is empty", () =>
    Effect.gen(function*() {
      const response = yield* collect(CodexEmulator.textEvents("Hello, world!", { reasoning: "Plan: greet." }))
      assert.strictEqual(response.output_text, "Hello, world!")
      assert.strictEqual(response.status, "completed")
      assert.deepStrictEqual(response.output.map((i) => i.type), ["reasoning", "message"])
      assert.strictEqual(Response.reasoningSummary(response), "Plan: greet.")
      assert.strictEqual(response.usage?.input_tokens, 21)
      assert.strictEqual(response.usage?.output_tokens_details?.reasoning_tokens, 3)
    }))

  it.effect("uses completed.output as sent when it is not empty", () =>
    Effect.gen(function*() {
      const events = CodexEmulator.textEvents("abc", { completedOutput: true })
      const response = yield* collect(events)
      assert.strictEqual(response.output_text, "abc")
      assert.strictEqual(response.output.length, 1)
    }))

  it.effect("builds items from output_item.done alone", () =>
    Effect.gen(function*() {
      const response = yield* collect(
        CodexEmulator.functionCallEvents("get_weather", "{\"city\":\"Paris\"}", { doneOnly: true, callId: "call_1" })
      )
      const [call] = Response.functionCalls(response)
      assert.strictEqual(call?.name, "get_weather")
      assert.strictEqual(call?.arguments, "{\"city\":\"Paris\"}")
      assert.strictEqual(call?.call_id, "call_1")
    }))

  it.effect("uses accumulated deltas for items that never got output_item.done", () =>
    Effect.gen(function*() {
      const events = CodexEmulator.functionCallEvents("f", "{\"x\":[1,2,3]}").filter(
        (e) => e["type"] !== "response.output_item.done" && e["type"] !== "response.function_call_arguments.done"
      )
      const response = yield* collect(events)
      assert.strictEqual(Response.functionCalls(response)[0]?.arguments, "{\"x\":[1,2,3]}")
    }))

  it.effect("synthesises a message from text deltas without any message item", () =>
    Effect.gen(function*() {
      const response = yield* collect([
        { type: "response.created", response: { id: "r", status: "in_progress", output: [] } },
        { type: "response.output_text.delta", item_id: "m", output_index: 0, content_index: 0, delta: "Hi " },
        { type: "response.output_text.delta", item_id: "m", output_index: 0, content_index: 0, delta: "there" },
        { type: "response.completed", response: { id: "r", status: "completed", output: [] } }
      ])
      assert.strictEqual(response.output_text, "Hi there")
      assert.deepStrictEqual(response.output[0], {
        type: "message",
        role: "assistant",
        status: "completed",
        content: [{ type: "output_text", text: "Hi there", annotations: [] }]
      })
      assert.isUndefined(response.usage, "usage is never invented")
    }))

  it.effect("fails with StreamInterrupted when no terminal event arrives", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(collect(CodexEmulator.textEvents("cut", { id: "resp_cut" }).slice(0, 5)))
      assert.strictEqual(error._tag, "StreamInterrupted")
      assert.strictEqual(error._tag === "StreamInterrupted" && error.responseId, "resp_cut")
    }))

  it.effect("maps response.failed codes to typed errors with the partial response", () =>
    Effect.gen(function*() {
      const cases: Array<[string, string]> = [
        ["context_length_exceeded", "ContextWindowExceeded"],
        ["insufficient_quota", "RateLimited"],
        ["usage_not_included", "RateLimited"],
        ["rate_limit_exceeded", "RateLimited"],
        ["server_is_overloaded", "ServerError"],
        ["cyber_policy", "CyberPolicy"],
        ["invalid_prompt", "ResponseFailed"],
        ["something_new", "ResponseFailed"]
      ]
      for (const [code, tag] of cases) {
        const error = yield* Effect.flip(collect(CodexEmulator.failedEvents(code, "Please try again in 1.5s.")))
        assert.strictEqual(error._tag, tag, code)
      }
      const limited = yield* Effect.flip(
        collect(CodexEmulator.failedEvents("rate_limit_exceeded", "Please try again in 11.054s."))
      )
      assert.strictEqual(
        limited._tag === "RateLimited" && limited.retryAfter ? Duration.toMillis(limited.retryAfter) : -1,
        11054
      )
      const events = CodexEmulator.failedEvents("invalid_prompt", "no")
      const failed = yield* Effect.flip(collect(events))
      const sent = events[0]?.type === "response.created" ? events[0].response.id : "?"
      assert.strictEqual(failed._tag === "ResponseFailed" ? failed.response?.id : undefined, sent)
    }))

  it.effect("maps response.incomplete to ResponseIncomplete carrying the text so far", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(collect(CodexEmulator.incompleteEvents("partial answer", "content_filter")))
      assert.strictEqual(error._tag, "ResponseIncomplete")
      if (error._tag === "ResponseIncomplete") {
        assert.strictEqual(error.reason, "content_filter")
        assert.strictEqual(error.response?.output_text, "partial answer")
        assert.strictEqual(error.message, "Incomplete response returned, reason: content_filter")
      }
    }))

  // On the live clock: a reset is believed at most 31 days after it is received, and this one is real.
  it.live("maps an error event, nested or flat", () =>
    Effect.gen(function*() {
      const flat = yield* Effect.flip(
        collect([{ type: "error", code: "context_length_exceeded", message: "too long" }])
      )
      assert.strictEqual(flat._tag, "ContextWindowExceeded")
      const nested = yield* Effect.flip(
        collect([{
          type: "error",
          error: { type: "usage_limit_reached", message: "limit", plan_type: "pro", resets_at: 1767240000 }
        }])
      )
      assert.strictEqual(nested._tag, "RateLimited")
      if (nested._tag === "RateLimited") {
        assert.strictEqual(nested.kind, "usage_limit_reached")
        assert.strictEqual(nested.planType, "pro")
        assert.strictEqual(nested.resetsAt?.getTime(), 1767240000_000)
      }
    }))
})
