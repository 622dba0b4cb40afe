import { Effect, Stream } from "effect"
const t = async (name, f, n = 3000) => { for (let i = 0; i < 300; i++) await f(); const t0 = performance.now(); for (let i = 0; i < n; i++) await f(); console.log(name.padEnd(20), ((performance.now() - t0) / n * 1000).toFixed(1), "µs") }
await t("runPromise void", () => Effect.runPromise(Effect.void))
await t("runPromise yieldNow", () => Effect.runPromise(Effect.yieldNow()))
await t("runPromise async", () => Effect.runPromise(Effect.async((r) => { queueMicrotask(() => r(Effect.void)) })))
await t("stream runDrain", () => Effect.runPromise(Stream.runDrain(Stream.make(1))))
await t("runSync stream", async () => Effect.runSync(Stream.runDrain(Stream.make(1))))
