import { Effect, Stream } from "effect"
for (let i = 0; i < 3000; i++) Effect.runSync(Stream.runDrain(Stream.make(1)))
