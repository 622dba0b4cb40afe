import { Effect } from "effect"
const work = Effect.async((r) => { setImmediate(() => r(Effect.succeed(1))) })
const t = async (name, f, n = 3000) => { for (let i = 0; i < 300; i++) await Effect.runPromise(f()); const t0 = performance.now(); for (let i = 0; i < n; i++) await Effect.runPromise(f()); console.log(name.padEnd(24), ((performance.now() - t0) / n * 1000).toFixed(0), "µs") }
await t("plain", () => work)
await t("timeoutFail", () => Effect.timeoutFail(work, { duration: "300 seconds", onTimeout: () => "t" }))
await t("raceFirst sleep", () => Effect.raceFirst(work, Effect.zipRight(Effect.sleep("300 seconds"), Effect.fail("t"))))
await t("race sleep", () => Effect.race(work, Effect.zipRight(Effect.sleep("300 seconds"), Effect.fail("t"))))
