import { Effect, Stream, Console, Duration } from "effect"
import { CodexEmulator, Responses } from "../src/index.js"
const program = Effect.gen(function*() {
  const responses = yield* Responses.Responses
  const emulator = yield* CodexEmulator.CodexEmulator
  const cut = CodexEmulator.sse(CodexEmulator.textEvents("never finished").slice(0, -1))
  yield* emulator.script(cut, cut)
  const streamed = yield* Effect.either(Stream.runDrain(responses.stream({ input: "x" })))
  yield* Console.log("streamed", streamed._tag, (yield* emulator.requests).length)
  const collected = yield* Effect.either(responses.create({ input: "x" }))
  yield* Console.log("collected", collected._tag, (yield* emulator.requests).length)
}).pipe(Effect.provide(CodexEmulator.layerClient({ config: { maxStreamRetries: 0, retryBaseDelay: Duration.millis(1) } })))
Effect.runPromise(program).then(() => process.exit(0), (e) => { console.error(e); process.exit(1) })
