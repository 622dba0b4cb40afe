import { assert, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Stream } from "effect"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { Responses } from "../src/index.js"
it.live("x", () => Effect.gen(function*() {
  const emulator = yield* CodexEmulator.CodexEmulator
  const responses = yield* Responses.Responses
  yield* emulator.script(CodexEmulator.sse(CodexEmulator.textEvents("slow").slice(0, 4), { ending: "stall" }))
  const started = yield* Deferred.make<void>()
  const fiber = yield* responses.stream({ input: "x" }).pipe(Stream.tap((e) => Effect.zipRight(Effect.log(e.type), Deferred.succeed(started, undefined))), Stream.runDrain, Effect.fork)
  yield* Deferred.await(started)
  const before = Date.now()
  yield* Fiber.interrupt(fiber)
  yield* Effect.log("interrupted", Date.now() - before)
  while ((yield* emulator.sockets).interrupted === 0 && Date.now() - before < 2000) yield* Effect.sleep("2 millis")
  console.log(yield* emulator.sockets, Date.now() - before)
}).pipe(Effect.provide(CodexEmulator.layerClient({ config: { transport: "websocket" } }))))
