import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Ref, TestClock } from "effect"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { CodexConfig, CodexError, Models, Responses } from "../src/index.js"
import { withRetries } from "../src/internal/retry.js"

describe("retry schedule (protocol §6.4)", () => {
  it.effect("backs off 200 ms × 2^n with ±10 % jitter, 4 retries, then fails", () =>
    Effect.gen(function*() {
      const config = yield* CodexConfig.make()
      const attempts = yield* Ref.make<Array<number>>([])
      const failing = Effect.gen(function*() {
        const now = yield* TestClock.currentTimeMillis
        yield* Ref.update(attempts, (a) => [...a, now])
        return yield* new CodexError.ServerError({ detail: "boom", overloaded: false, status: 500 })
      })
      const fiber = yield* Effect.fork(
        withRetries(
          config,
          config.maxRetries,
          "POST /responses",
          failing,
          (e) => (CodexError.isRetryable(e) ? e : undefined)
        )
      )
      for (let i = 0; i < 40; i++) yield* TestClock.adjust("100 millis")
      const exit = yield* Fiber.await(fiber)
      assert.strictEqual(exit._tag, "Failure")
      const times = yield* Ref.get(attempts)
      assert.lengthOf(times, 5)
      const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0))
      ;[200, 400, 800, 1600].forEach((base, i) => {
        const gap = gaps[i] ?? 0
        // TestClock moves in 100 ms steps: the wait ends at the first step past base × jitter.
        assert.isAtLeast(gap, Math.floor(base * 0.9 / 100) * 100, `retry ${i + 1}`)
        assert.isAtMost(gap, Math.ceil(base * 1.1 / 100) * 100, `retry ${i + 1}`)
      })
    }))

  it.effect("a server wait longer than the 60 s cap is not slept: the call fails at once", () =>
    Effect.gen(function*() {
      const config = yield* CodexConfig.make()
      const calls = yield* Ref.make(0)
      const throttled = Effect.zipRight(
        Ref.update(calls, (n) => n + 1),
        Effect.fail(
          new CodexError.RateLimited({ kind: "rate_limit_exceeded", detail: "x", retryAfter: Duration.seconds(61) })
        )
      )
      const error = yield* Effect.flip(withRetries(config, 4, "POST /responses", throttled, (e) => e))
      assert.strictEqual(error.kind, "rate_limit_exceeded")
      assert.strictEqual(yield* Ref.get(calls), 1)
    }))

  it("isRetryable follows the protocol", () => {
    const never = [
      new CodexError.RateLimited({ kind: "usage_limit_reached", detail: "x" }),
      new CodexError.RateLimited({ kind: "insufficient_quota", detail: "x" }),
      new CodexError.ServerError({ detail: "x", overloaded: true }),
      new CodexError.InvalidRequest({ detail: "x" }),
      new CodexError.AuthExpired({ reason: "unauthorized" }),
      new CodexError.ContextWindowExceeded({ detail: "x" }),
      new CodexError.ResponseIncomplete({ reason: "content_filter" }),
      new CodexError.ResponseFailed({ code: "invalid_prompt", detail: "x" })
    ]
    const retry = [
      new CodexError.RateLimited({ kind: "rate_limit_exceeded", detail: "x" }),
      new CodexError.ServerError({ detail: "x", overloaded: false }),
      new CodexError.StreamInterrupted({ eventsReceived: 3 }),
      new CodexError.Timeout({ phase: "idle", endpoint: "x", after: Duration.seconds(1) }),
      new CodexError.ResponseFailed({ code: "server_error", detail: "x" }),
      new CodexError.ResponseIncomplete({ reason: "max_output_tokens" })
    ]
    for (const e of never) assert.isFalse(CodexError.isRetryable(e), e._tag)
    for (const e of retry) assert.isTrue(CodexError.isRetryable(e), e._tag)
  })
})

describe("per-call policy (CodexConfig.withCallPolicy)", () => {
  const withEmulator = Effect.provide(CodexEmulator.layerClient({ config: { retryBaseDelay: Duration.millis(1) } }))
  const requests = Effect.map(Effect.flatMap(CodexEmulator.CodexEmulator, (e) => e.requests), (r) => r.length)

  it.live("overrides retries for the calls of one effect, on every group; the configured policy elsewhere", () =>
    Effect.gen(function*() {
      const emulator = yield* CodexEmulator.CodexEmulator
      const responses = yield* Responses.Responses
      const models = yield* Models.Models
      const boom = CodexEmulator.http(500, { error: { message: "boom" } })
      yield* emulator.script(boom)
      const once = yield* Effect.flip(
        responses.create({ input: "x" }).pipe(CodexConfig.withCallPolicy({ maxRetries: 0 }))
      )
      assert.strictEqual(once._tag, "ServerError")
      assert.strictEqual(yield* requests, 1)
      yield* emulator.scriptRoute("models", boom, boom)
      const gated = yield* Effect.flip(models.list().pipe(CodexConfig.withCallPolicy({ maxRetries: 1 })))
      assert.strictEqual(gated._tag, "ServerError")
      assert.strictEqual(yield* requests, 3)
      yield* emulator.script(boom, boom)
      const retried = yield* responses.create({ input: "y" })
      assert.strictEqual(retried.output_text, "You said: y")
      assert.strictEqual(yield* requests, 6)
    }).pipe(withEmulator))

  it.live("maxStreamRetries: a cut stream is redone by default, surfaced with 0", () =>
    Effect.gen(function*() {
      const emulator = yield* CodexEmulator.CodexEmulator
      const responses = yield* Responses.Responses
      const cut = CodexEmulator.sse(CodexEmulator.textEvents("cut").slice(0, 4))
      yield* emulator.script(cut)
      const error = yield* Effect.flip(
        responses.create({ input: "x" }).pipe(CodexConfig.withCallPolicy({ maxStreamRetries: 0 }))
      )
      assert.strictEqual(error._tag, "StreamInterrupted")
      yield* emulator.script(cut)
      assert.strictEqual((yield* responses.create({ input: "x" })).output_text, "You said: x")
    }).pipe(withEmulator))

  it.effect("bad numbers are InvalidParameter", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.void.pipe(CodexConfig.withCallPolicy({ maxRetries: -1 })))
      assert.isTrue(error._tag === "InvalidParameter" && error.parameter === "maxRetries")
    }))
})
