import { Effect, Stream, Console } from "effect"
import { CodexEmulator, Responses, ResponseStreamEvent } from "../src/index.js"

const program = Effect.gen(function*() {
  const responses = yield* Responses.Responses
  const r = yield* responses.create({ input: "hello there", reasoning: { effort: "low", summary: "auto" } })
  yield* Console.log(r.output_text, JSON.stringify(r.usage), r.output.map((i) => i.type))
  yield* responses.stream({ input: "streaming" }).pipe(
    Stream.filter(ResponseStreamEvent.is("response.output_text.delta")),
    Stream.runForEach((e) => Console.log("delta", e.delta))
  )
  const emu = yield* CodexEmulator.CodexEmulator
  yield* emu.script(CodexEmulator.usageLimit())
  const err = yield* Effect.flip(responses.create({ input: "x" }))
  yield* Console.log(err._tag, err.message)
  const c = yield* responses.compact({ input: [{ role: "user", content: "a" }, { role: "assistant", content: "b" }] })
  yield* Console.log(JSON.stringify(c))
  const reqs = yield* emu.requests
  yield* Console.log(reqs.length, JSON.stringify(reqs[0]?.headers))
}).pipe(Effect.provide(CodexEmulator.layerClient()))

Effect.runPromise(program).then(() => process.exit(0), (e) => { console.error(e); process.exit(1) })
