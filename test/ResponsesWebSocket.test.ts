import { assert, describe, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Stream } from "effect"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { Responses } from "../src/index.js"

const withSocket = (config: Record<string, unknown> = {}) =>
  Effect.provide(CodexEmulator.layerClient({ transport: "undici", config: { transport: "websocket", retryBaseDelay: Duration.millis(1), ...config } }))

describe("Responses over the WebSocket transport", () => {
  it.live("smoke", () =>
    Effect.gen(function*() {
      const responses = yield* Responses.Responses
      const emulator = yield* CodexEmulator.CodexEmulator
      const first = yield* responses.create({ input: "Say PONG.", prompt_cache_key: "conv-1" })
      assert.strictEqual(first.output_text, "You said: Say PONG.")
      const events = Chunk.toArray(yield* Stream.runCollect(responses.stream({ input: "hi", prompt_cache_key: "conv-1" })))
      assert.strictEqual(events[events.length - 1]?.type, "response.completed")
      const stats = yield* emulator.sockets
      assert.strictEqual(stats.opened, 1)
      console.log(stats, (yield* emulator.requests).map((r) => JSON.stringify(r.body).slice(0, 200)))
    }).pipe(withSocket()))
})
