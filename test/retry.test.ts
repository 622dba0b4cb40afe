import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Ref, Schedule, TestClock } from "effect"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { CodexConfig, CodexError, Models, Responses } from "../src/index.js"
import { redoSchedule, retrySchedule, withRetries } from "../src/internal/retry.js"
import { layerClient, seed, tempHome } from "./helpers.js"

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
          () => retrySchedule(config),
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
      const error = yield* Effect.flip(withRetries(() => retrySchedule(config), "POST /responses", throttled, (e) => e))
      assert.strictEqual(error.kind, "rate_limit_exceeded")
      assert.strictEqual(yield* Ref.get(calls), 1)
    }))

  it.effect("a Retry-After within the cap is waited instead of the backoff", () =>
    Effect.gen(function*() {
      const config = yield* CodexConfig.make()
      const attempts = yield* Ref.make(0)
      const throttled = Effect.gen(function*() {
        if ((yield* Ref.updateAndGet(attempts, (n) => n + 1)) > 2) return "ok"
        return yield* new CodexError.RateLimited({
          kind: "rate_limit_exceeded",
          detail: "x",
          retryAfter: Duration.seconds(7)
        })
      })
      const times = yield* Ref.make<Array<number>>([])
      const timed = Effect.zipRight(
        Effect.flatMap(TestClock.currentTimeMillis, (now) => Ref.update(times, (t) => [...t, now])),
        throttled
      )
      const fiber = yield* Effect.fork(withRetries(() => retrySchedule(config), "POST /responses", timed, (e) => e))
      for (let i = 0; i < 20; i++) yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* Fiber.join(fiber), "ok")
      assert.deepStrictEqual(yield* Ref.get(times), [0, 7000, 14000])
    }))

  it.effect("a schedule of one's own decides every retry; errors the SDK may not retry never reach it", () =>
    Effect.gen(function*() {
      const config = yield* CodexConfig.make({
        retrySchedule: Schedule.spaced("1 second").pipe(Schedule.intersect(Schedule.recurs(2)))
      })
      const seen = yield* Ref.make<Array<string>>([])
      const schedule = Schedule.tapInput(
        retrySchedule(config),
        (e: CodexError.CodexError) => Ref.update(seen, (s) => [...s, e._tag])
      )
      const times = yield* Ref.make<Array<number>>([])
      const failing = (error: CodexError.CodexError) =>
        Effect.zipRight(
          Effect.flatMap(TestClock.currentTimeMillis, (now) => Ref.update(times, (t) => [...t, now])),
          Effect.fail(error)
        )
      const boom = new CodexError.ServerError({ detail: "boom", overloaded: false, status: 500 })
      const fiber = yield* Effect.fork(
        withRetries(() => schedule, "POST /responses", failing(boom), (e) => CodexError.isRetryable(e) ? e : undefined)
      )
      for (let i = 0; i < 10; i++) yield* TestClock.adjust("500 millis")
      assert.strictEqual((yield* Effect.flip(Fiber.join(fiber)))._tag, "ServerError")
      assert.deepStrictEqual(yield* Ref.get(times), [0, 1000, 2000])
      assert.deepStrictEqual(yield* Ref.get(seen), ["ServerError", "ServerError", "ServerError"])

      yield* Ref.set(seen, [])
      const quota = new CodexError.RateLimited({ kind: "usage_limit_reached", detail: "x" })
      const refused = yield* Effect.flip(
        withRetries(() => schedule, "POST /responses", failing(quota), (e) => CodexError.isRetryable(e) ? e : undefined)
      )
      assert.strictEqual(refused._tag, "RateLimited")
      assert.deepStrictEqual(yield* Ref.get(seen), [], "a usage limit is never offered to the schedule")
    }))

  it.effect("the redo of a collected call follows the schedule, bounded by maxStreamRetries", () =>
    Effect.gen(function*() {
      const count = (schedule: Schedule.Schedule<unknown, CodexError.CodexError>) =>
        Effect.gen(function*() {
          const calls = yield* Ref.make(0)
          const cut = Effect.zipRight(
            Ref.update(calls, (n) => n + 1),
            Effect.fail(new CodexError.StreamInterrupted({ eventsReceived: 3 }))
          )
          const fiber = yield* Effect.fork(Effect.flip(withRetries(() => schedule, "POST /responses", cut, (e) => e)))
          for (let i = 0; i < 50; i++) yield* TestClock.adjust("1 second")
          yield* Fiber.join(fiber)
          return yield* Ref.get(calls)
        })
      // The numbers: maxStreamRetries redos, whatever maxRetries says.
      assert.strictEqual(yield* count(redoSchedule(yield* CodexConfig.make({ maxRetries: 0, maxStreamRetries: 3 }))), 4)
      // A schedule of one's own that would go on forever still stops at maxStreamRetries.
      const forever = yield* CodexConfig.make({ retrySchedule: Schedule.forever, maxStreamRetries: 2 })
      assert.strictEqual(yield* count(redoSchedule(forever)), 3)
      assert.strictEqual(yield* count(retrySchedule(yield* CodexConfig.make({ maxRetries: 1 }))), 2)
    }))

  it.effect("a retrySchedule that is not a Schedule is refused, in the layer and per call", () =>
    Effect.gen(function*() {
      const bad = { retrySchedule: 3 as unknown as CodexConfig.RetrySchedule }
      const config = yield* Effect.flip(CodexConfig.make(bad))
      assert.include(String(config), "retrySchedule")
      const call = yield* Effect.flip(Effect.void.pipe(CodexConfig.withCallPolicy(bad)))
      assert.isTrue(call._tag === "InvalidParameter" && call.parameter === "retrySchedule")
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
  const withEmulator = Effect.provide(layerClient({ config: { retryBaseDelay: Duration.millis(1) } }))
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

  it.live("the layer's schedule drives the transport's retries; a call's schedule or numbers replace it", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const once = Schedule.recurs(1).pipe(
        Schedule.tapInput((e: CodexError.CodexError) => Effect.sync(() => seen.push(e._tag)))
      )
      const layer = layerClient({ config: { retrySchedule: once } })
      yield* Effect.gen(function*() {
        const emulator = yield* CodexEmulator.CodexEmulator
        const responses = yield* Responses.Responses
        const boom = CodexEmulator.http(500, { error: { message: "boom" } })
        yield* emulator.script(boom, boom)
        assert.strictEqual((yield* Effect.flip(responses.create({ input: "x" })))._tag, "ServerError")
        assert.strictEqual(yield* requests, 2, "the schedule's one retry")
        assert.deepStrictEqual(seen, ["ServerError", "ServerError"])
        yield* emulator.script(boom)
        const stopped = yield* Effect.flip(
          responses.create({ input: "x" }).pipe(CodexConfig.withCallPolicy({ retrySchedule: Schedule.stop }))
        )
        assert.strictEqual(stopped._tag, "ServerError")
        assert.strictEqual(yield* requests, 3, "the call's schedule: no retry")
        yield* emulator.script(boom, boom)
        const patient = yield* responses.create({ input: "y" }).pipe(
          CodexConfig.withCallPolicy({ maxRetries: 2, retryBaseDelay: Duration.millis(1) })
        )
        assert.strictEqual(patient.output_text, "You said: y")
        assert.strictEqual(yield* requests, 6, "the call's numbers build the default schedule: 2 retries")
      }).pipe(Effect.provide(layer))
    }))

  it.live("the token refresh retries on the schedule of the call that needed it", () =>
    Effect.scoped(Effect.flatMap(tempHome, (dir) =>
      Effect.gen(function*() {
        const emulator = yield* CodexEmulator.CodexEmulator
        const responses = yield* Responses.Responses
        yield* seed(yield* emulator.issuer.issue(-60))
        yield* emulator.scriptRoute("token", CodexEmulator.http(502, "Bad Gateway"), CodexEmulator.http(500, "x"))
        const error = yield* Effect.flip(
          responses.create({ input: "x" }).pipe(CodexConfig.withCallPolicy({ retrySchedule: Schedule.stop }))
        )
        assert.strictEqual(error._tag, "RefreshFailed")
        const tokenRequests = (yield* emulator.requests).filter((r) => r.path === "/oauth/token")
        assert.lengthOf(tokenRequests, 1)
      }).pipe(
        Effect.provide(layerClient({ codexHome: dir, config: { retryBaseDelay: Duration.millis(1) } }))
      ))))

  it.effect("bad numbers are InvalidParameter", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.void.pipe(CodexConfig.withCallPolicy({ maxRetries: -1 })))
      assert.isTrue(error._tag === "InvalidParameter" && error.parameter === "maxRetries")
    }))
})
