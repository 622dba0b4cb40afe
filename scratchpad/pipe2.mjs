import { Effect, Stream, Chunk, Option } from "effect"
import { NodeStream } from "@effect/platform-node"
import { Readable } from "node:stream"
const buf = Buffer.alloc(4000, 97)
const mk = () => NodeStream.fromReadable(() => Readable.from([buf]), (e) => e)
const t = async (name, f, n = 2000) => { for (let i = 0; i < 200; i++) await Effect.runPromise(f()); const t0 = performance.now(); for (let i = 0; i < n; i++) await Effect.runPromise(f()); console.log(name.padEnd(24), ((performance.now() - t0) / n * 1000).toFixed(0), "µs") }
await t("runForEachChunk", () => Stream.runForEachChunk(mk(), () => Effect.void))
await t("toPull loop", () => Effect.scoped(Effect.flatMap(Stream.toPull(mk()), (pull) => { const loop = Effect.matchEffect(pull, { onFailure: (o) => Option.isNone(o) ? Effect.void : Effect.fail(o), onSuccess: () => loop }); return loop })))
await t("toPull+timeout", () => Effect.scoped(Effect.flatMap(Stream.toPull(mk()), (pull) => { const p = Effect.timeoutFail(pull, { duration: "300 seconds", onTimeout: () => Option.some("t") }); const loop = Effect.matchEffect(p, { onFailure: (o) => Option.isNone(o) ? Effect.void : Effect.fail(o), onSuccess: () => loop }); return loop })))
await t("readable raw promise", () => Effect.promise(async () => { for await (const c of Readable.from([buf])) void c }))
