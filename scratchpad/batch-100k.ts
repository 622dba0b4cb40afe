// Times Batch.runFile over 100k lines against an instant backend (not part of the suite).
import { Effect, Stream } from "effect"
import * as NodeFs from "node:fs"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { Batch, Responses } from "../src/index.js"
const n = Number(process.argv[2] ?? 100000)
const input = "/tmp/b-in.jsonl", output = "/tmp/b-out.jsonl"
NodeFs.rmSync(output, { force: true })
const fd = NodeFs.openSync(input, "w")
for (let i = 0; i < n; i++) NodeFs.writeSync(fd, `{"id":"r${i}","input":"question number ${i} with some padding text"}\n`)
NodeFs.closeSync(fd)
const program = Effect.gen(function*() {
  const response = yield* Effect.flatMap(Responses.Responses, (r) => r.create({ input: "x" })).pipe(
    Effect.provide(Responses.layerTest({ create: Responses.createFromStream(() => Stream.fromIterable(CodexEmulator.textEvents("answer"))) })))
  const t = performance.now()
  const s = yield* Batch.runFile(input, output, { concurrency: 16 }).pipe(Effect.provide(Responses.layerTest({ create: () => Effect.succeed(response) })))
  console.log(s.ok, ((performance.now() - t) / 1000).toFixed(2), "s", (process.memoryUsage().heapUsed / 1e6).toFixed(0), "MB heap")
})
Effect.runPromise(program)
