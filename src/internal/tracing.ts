/**
 * Spans only when someone listens: under Effect's built-in tracer (which records nothing
 * unless a tracer is installed) no span is made at all — a span costs ≈ 14 µs (random ids,
 * a call-site error, attributes) on a request that is otherwise ≈ 60 µs of CPU. With a
 * real tracer installed (e.g. `@effect/opentelemetry`), the same names as before.
 *
 * @internal
 */
import { Effect } from "effect"

/** The tracer Effect installs by default. @internal */
export const defaultTracer = Effect.runSync(Effect.tracer)

/** `Effect.withSpan(name)`, only under a tracer other than the default. @internal */
export const withSpan = (name: string) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.tracerWith((tracer) => (tracer === defaultTracer ? effect : Effect.withSpan(effect, name)))
