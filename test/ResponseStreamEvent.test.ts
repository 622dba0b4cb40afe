import { assert, describe, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { ResponseStreamEvent } from "../src/index.js"
import { everyEvent } from "./fixtures.js"

describe("ResponseStreamEvent", () => {
  it.effect("decodes every known event type with its schema", () =>
    Effect.gen(function*() {
      for (const [type, wire] of Object.entries(everyEvent)) {
        const event = yield* ResponseStreamEvent.decode(wire)
        assert.strictEqual(event.type, type)
      }
    }))

  it.effect("passes an unknown type through as UnknownEvent with its data", () =>
    Effect.gen(function*() {
      const event = yield* ResponseStreamEvent.decode({ type: "keepalive", n: 1 })
      assert.deepStrictEqual(event, { type: "unknown", event: "keepalive", data: { type: "keepalive", n: 1 } })
    }))

  it.effect("rejects a known event with a wrong field", () =>
    Effect.gen(function*() {
      const result = yield* Effect.either(
        ResponseStreamEvent.decode({ type: "response.output_text.delta", output_index: 0 })
      )
      assert.isTrue(Either.isLeft(result))
    }))

  it("is() narrows and textDelta() reads both delta shapes", () => {
    const delta = everyEvent["response.output_text.delta"] as ResponseStreamEvent.ResponseStreamEvent
    const partDelta = everyEvent["response.content_part.delta"] as ResponseStreamEvent.ResponseStreamEvent
    assert.isTrue(ResponseStreamEvent.is("response.output_text.delta")(delta))
    assert.isFalse(ResponseStreamEvent.is("response.completed")(delta))
    assert.strictEqual(ResponseStreamEvent.textDelta(delta), "Hel")
    assert.strictEqual(ResponseStreamEvent.textDelta(partDelta), "lo")
  })

  it("isTerminal() names the four terminal types", () => {
    const terminal = Object.values(everyEvent)
      .filter((e) => ResponseStreamEvent.isTerminal(e as ResponseStreamEvent.ResponseStreamEvent))
      .map((e) => e["type"])
    assert.deepStrictEqual(terminal.sort(), ["error", "response.completed", "response.failed", "response.incomplete"])
  })
})
