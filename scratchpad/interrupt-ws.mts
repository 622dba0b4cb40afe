// Throw-away: interrupt latency (call → emulator sees the connection closed), SSE vs WebSocket.
import { Deferred, Effect, Fiber, Stream } from "effect"
import * as CodexEmulator from "../src/CodexEmulator.ts"
import { CodexConfig, Responses } from "../src/index.ts"
const program = Effect.gen(function*() {
  const emulator = yield* CodexEmulator.CodexEmulator
  const responses = yield* Responses.Responses
  for (const transport of ["sse", "websocket", "sse", "websocket"] as const) {
    const times: Array<number> = []
    for (let i = 0; i < 41; i++) {
      yield* emulator.reset
      yield* emulator.script(CodexEmulator.sse(CodexEmulator.textEvents("slow").slice(0, 4), { ending: "stall" }))
      const started = yield* Deferred.make<void>()
      const fiber = yield* responses.stream({ input: "x", prompt_cache_key: `k${i}` }).pipe(
        Stream.tap(() => Deferred.succeed(started, undefined)),
        Stream.runDrain,
        CodexConfig.withCallPolicy({ transport }),
        Effect.fork
      )
      yield* Deferred.await(started)
      const before = performance.now()
      yield* Fiber.interrupt(fiber)
      while ((yield* emulator.abortedStreams) < 1) yield* Effect.yieldNow()
      times.push(performance.now() - before)
    }
    times.sort((a, b) => a - b)
    console.log(
      transport,
      "median ms",
      times[20]?.toFixed(2),
      "p10",
      times[4]?.toFixed(2),
      "p90",
      times[36]?.toFixed(2)
    )
  }
})
await Effect.runPromise(program.pipe(Effect.provide(CodexEmulator.layerClient()), Effect.scoped) as any)
