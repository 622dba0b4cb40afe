import { assert, describe, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Fiber, Stream } from "effect"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { RateLimits, Responses } from "../src/index.js"
import { fromReply } from "../src/internal/errors.js"
import { layerClient } from "./helpers.js"

const withEmulator = Effect.provide(layerClient({ config: { retryBaseDelay: Duration.millis(1) } }))

const services = Effect.all({
  limits: RateLimits.RateLimits,
  emulator: CodexEmulator.CodexEmulator,
  responses: Responses.Responses
})

const headers = (used: number) => ({
  "x-codex-primary-used-percent": String(used),
  "x-codex-primary-window-minutes": "300",
  "x-codex-primary-reset-at": "1767240000",
  "x-codex-secondary-used-percent": "12",
  "x-codex-secondary-window-minutes": "10080",
  "x-codex-credits-has-credits": "false",
  "x-codex-credits-unlimited": "false"
})

describe("RateLimits", () => {
  it.live("a successful reply with x-codex-* headers updates latest and emits on changes", () =>
    Effect.gen(function*() {
      const { emulator, limits, responses } = yield* services
      assert.isUndefined(yield* limits.latest)
      const seen = yield* Effect.fork(Stream.runCollect(Stream.take(limits.changes, 2)))
      yield* Effect.yieldNow()
      yield* emulator.script(
        CodexEmulator.sse(CodexEmulator.textEvents("one"), { headers: headers(42.5) }),
        CodexEmulator.sse(CodexEmulator.textEvents("two"), { headers: headers(43) })
      )
      yield* responses.create({ input: "a" })
      yield* responses.create({ input: "b" })
      const states = Chunk.toArray(yield* Fiber.join(seen))
      assert.deepStrictEqual(states.map((s) => s.snapshots[0]?.primary?.used_percent), [42.5, 43])
      const latest = yield* limits.latest
      assert.strictEqual(latest?.accountId, "acct_emulated")
      assert.deepStrictEqual(latest?.snapshots[0], {
        limit_id: "codex",
        limit_name: null,
        primary: { used_percent: 43, window_minutes: 300, resets_at: 1767240000 },
        secondary: { used_percent: 12, window_minutes: 10080, resets_at: null },
        credits: { has_credits: false, unlimited: false, balance: null },
        plan_type: null,
        rate_limit_reached_type: null
      })
      assert.deepStrictEqual(yield* limits.latestFor("acct_emulated"), latest)
    }).pipe(withEmulator))

  it.live("a codex.rate_limits event in the stream updates the family it names, keeping the rest", () =>
    Effect.gen(function*() {
      const { emulator, limits, responses } = yield* services
      const events = CodexEmulator.textEvents("hi")
      const rateLimits = {
        type: "codex.rate_limits",
        plan_type: "pro",
        rate_limits: {
          allowed: true,
          limit_reached: false,
          primary: { used_percent: 40, window_minutes: 300, reset_at: 1767240000 }
        },
        credits: { has_credits: true, unlimited: false, balance: "12.5" },
        limit_name: "codex"
      }
      yield* emulator.script(
        CodexEmulator.sse([events[0] ?? {}, rateLimits, ...events.slice(1)], { headers: headers(30) })
      )
      yield* Stream.runDrain(responses.stream({ input: "x" }))
      const codex = (yield* limits.latest)?.snapshots[0]
      assert.strictEqual(codex?.primary?.used_percent, 40, "the event came after the headers")
      assert.strictEqual(codex?.secondary?.used_percent, 12, "kept from the headers")
      assert.strictEqual(codex?.plan_type, "pro")
      assert.deepStrictEqual(codex?.credits, { has_credits: true, unlimited: false, balance: "12.5" })
    }).pipe(withEmulator))

  it.live("a usage-limit 429 updates the state too, and its RateLimited error keeps the snapshot of its reply", () =>
    Effect.gen(function*() {
      const { emulator, limits, responses } = yield* services
      yield* emulator.script(CodexEmulator.usageLimit({ resetsAt: 1767240000 }))
      const error = yield* Effect.flip(responses.create({ input: "x" }))
      assert.strictEqual(error._tag, "RateLimited")
      assert.strictEqual(error._tag === "RateLimited" ? error.rateLimits?.[0]?.primary?.used_percent : undefined, 100)
      const state = yield* limits.latest
      assert.strictEqual(state?.snapshots[0]?.primary?.used_percent, 100)
      assert.deepStrictEqual(RateLimits.exhaustedUntil(state, 1767230000_000), new Date(1767240000_000))
      assert.isUndefined(RateLimits.exhaustedUntil(state, 1767250000_000), "a reset in the past binds nothing")
    }).pipe(withEmulator))

  it("fromEvent reads reset_at and the family name; hasHeaders spots any family", () => {
    const snapshot = RateLimits.fromEvent({
      type: "codex.rate_limits",
      rate_limits: {
        primary: { used_percent: 10, window_minutes: 60, reset_at: 5 },
        rate_limit_reached_type: { type: "rate_limit_reached" }
      },
      metered_limit_name: "codex-spark"
    })
    assert.strictEqual(snapshot.limit_id, "codex_spark")
    assert.deepStrictEqual(snapshot.primary, { used_percent: 10, window_minutes: 60, resets_at: 5 })
    assert.strictEqual(snapshot.rate_limit_reached_type, "rate_limit_reached")
    assert.isTrue(RateLimits.hasHeaders({ "x-codex-other-primary-used-percent": "1" }))
    assert.isFalse(RateLimits.hasHeaders({ "x-request-id": "r", "content-type": "text/event-stream" }))
  })
})

describe("reset times out of range (hardening round 2)", () => {
  const now = 1767230000_000
  const horizon = now + 31 * 24 * 60 * 60 * 1000

  it("a reset beyond the Date range is clamped to 31 days ahead: a valid date the batch gate can wait for", () => {
    const [codex] = RateLimits.fromHeaders({
      "x-codex-primary-used-percent": "100",
      "x-codex-primary-reset-at": "1e15"
    }, now)
    const resets = (codex?.primary?.resets_at ?? 0) * 1000
    assert.isAtMost(resets, horizon)
    assert.isAbove(resets, now)
    const until = RateLimits.exhaustedUntil(
      { snapshots: codex === undefined ? [] : [codex] } as unknown as RateLimits.RateLimitState,
      now
    )
    assert.isFalse(Number.isNaN(until?.getTime()), "not an Invalid Date")
    assert.isAtMost(until?.getTime() ?? Infinity, horizon)
  })

  it("a usage-limit error's resets_at is clamped too", () => {
    const error = fromReply({
      status: 429,
      headers: {},
      body: JSON.stringify({
        error: { type: "usage_limit_reached", message: "limit", plan_type: "plus", resets_at: 1e15 }
      }),
      endpoint: "POST /responses",
      now
    })
    assert.strictEqual(error._tag, "RateLimited")
    const at = (error as { resetsAt?: Date }).resetsAt?.getTime()
    assert.isFalse(Number.isNaN(at), "not an Invalid Date")
    assert.isAtMost(at ?? Infinity, horizon)
  })
})

describe("limit families are bounded (hardening round 2)", () => {
  const family = (id: string): RateLimits.RateLimitSnapshot => ({
    limit_id: id,
    limit_name: null,
    primary: { used_percent: 10, window_minutes: 300, resets_at: null },
    secondary: null,
    credits: null,
    plan_type: null,
    rate_limit_reached_type: null
  })

  it.effect("a server naming a new family on every reply keeps codex and the most recent families only", () =>
    Effect.gen(function*() {
      const limits = yield* RateLimits.make
      yield* limits.update("acct", [family("codex")])
      for (let i = 0; i < 1000; i++) yield* limits.update("acct", [family(`invented_${i}`)])
      const ids = ((yield* limits.latestFor("acct"))?.snapshots ?? []).map((s) => s.limit_id)
      assert.strictEqual(ids.length, RateLimits.maxFamilies)
      assert.strictEqual(ids[0], "codex", "codex is never dropped")
      assert.strictEqual(ids[ids.length - 1], "invented_999", "the newest family is kept")
      assert.notInclude(ids, "invented_0")
    }))

  it("one reply with thousands of families is read up to the cap", () => {
    const headers: Record<string, string> = { "x-codex-primary-used-percent": "5" }
    for (let i = 0; i < 5000; i++) headers[`x-f${i}-primary-used-percent`] = "1"
    const snapshots = RateLimits.fromHeaders(headers, 0)
    assert.strictEqual(snapshots.length, RateLimits.maxFamilies)
    assert.strictEqual(snapshots[0]?.limit_id, "codex")
  })
})
