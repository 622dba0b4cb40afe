import { Effect, Stream, Chunk } from "effect"
const chunk = new Uint8Array(4000)
const base = () => Stream.fromChunk(Chunk.of(chunk))
const watchdog = Effect.sleep("300 seconds").pipe(Effect.zipRight(Effect.fail("timeout")))
const variants = {
  plain: () => base().pipe(Stream.runDrain),
  interruptWhen: () => base().pipe(Stream.interruptWhen(watchdog), Stream.runDrain),
  timeoutFail: () => base().pipe(Stream.timeoutFail(() => "t", "300 seconds"), Stream.runDrain),
  withSpan: () => base().pipe(Stream.withSpan("x"), Stream.runDrain),
  raceWithSleep: () => Effect.raceFirst(base().pipe(Stream.runDrain), watchdog),
  fnSpan: () => Effect.fn("x")(function*() { return yield* base().pipe(Stream.runDrain) })(),
}
for (const [name, f] of Object.entries(variants)) {
  for (let i = 0; i < 500; i++) await Effect.runPromise(f())
  const t0 = performance.now(); for (let i = 0; i < 3000; i++) await Effect.runPromise(f())
  console.log(name.padEnd(14), ((performance.now() - t0) / 3000 * 1000).toFixed(1), "µs")
}
