import { assert, describe, it } from "@effect/vitest"
import {
  Chunk,
  Clock,
  Deferred,
  Duration,
  Effect,
  Fiber,
  Option,
  Ref,
  Schema,
  Stream,
  TestClock,
  TestServices
} from "effect"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { Batch, CodexError, Responses } from "../src/index.js"
import { layerClient, tempHome } from "./helpers.js"

const responsesRequests = Effect.map(
  Effect.flatMap(CodexEmulator.CodexEmulator, (e) => e.requests),
  (requests) => requests.filter((r) => r.path.endsWith("/responses"))
)

const items = (n: number, prefix = "q") =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, input: `question ${i}` }))

/**
 * The request and idle timeouts of the tests on the TestClock: 2 h, so a wake-up before
 * 2 h is a wait of the job, never a timeout.
 */
const timeouts = { requestTimeout: Duration.hours(2), streamIdleTimeout: Duration.hours(2) }

/**
 * Watches a job of `concurrency` workers over `total` items, run on the TestClock (with the
 * client's {@link timeouts}): its `onProgress` records the items answered and each distinct
 * pause (`pausedUntil`, epoch ms). `allWaiting` waits (looking every live millisecond: the
 * requests are real I/O) until every worker holding an item waits on the clock, and returns
 * their wake-ups in order; `undefined` once the job is done. A worker with a request in
 * flight has no wake-up pending, so moving the clock to one of them never overtakes a request.
 */
const watch = (concurrency: number, total: number) =>
  Effect.map(Ref.make(0), (answered) => {
    const pauses: Array<number> = []
    const onProgress = (p: Batch.Progress) =>
      Effect.zipRight(
        Ref.update(answered, (n) => Math.max(n, p.ok + p.failed)),
        Effect.sync(() =>
          void (p.pausedUntil !== undefined && !pauses.includes(p.pausedUntil.getTime()) &&
            pauses.push(p.pausedUntil.getTime()))
        )
      )
    const allWaiting = (job: Fiber.Fiber<unknown, unknown>) =>
      Effect.gen(function*() {
        while (Option.isNone(yield* Fiber.poll(job))) {
          const now = yield* Clock.currentTimeMillis
          const at = Chunk.toArray(yield* TestClock.sleeps()).filter((t) =>
            t > now && t < Duration.toMillis(timeouts.requestTimeout)
          )
          const busy = Math.min(concurrency, total - (yield* Ref.get(answered)))
          if (at.length > 0 && at.length === busy) return at.sort((a, b) => a - b)
          yield* TestServices.provideLive(Effect.sleep(Duration.millis(1)))
        }
        return undefined
      })
    return { pauses, onProgress, allWaiting }
  })

const readLines = (path: string) =>
  NodeFs.readFileSync(path, "utf8").split("\n").filter((l) => l !== "").map((l) =>
    JSON.parse(l) as Record<string, unknown>
  )

describe("Batch against the emulator", () => {
  it.live("run: every item answered once, in completion order, with the job's defaults under each item's own params", () =>
    Effect.gen(function*() {
      const results = Chunk.toArray(
        yield* Batch.run(Stream.fromIterable([...items(9), { id: "own", input: "mine", model: "gpt-5.5" }]), {
          concurrency: 3,
          defaults: { model: "gpt-5.4-mini", instructions: "Be brief." }
        }).pipe(Stream.runCollect)
      )
      assert.strictEqual(results.length, 10)
      assert.deepStrictEqual(new Set(results.map((r) => r.id)).size, 10)
      const q3 = results.find((r) => r.id === "q3")
      assert.isTrue(
        q3?.status === "ok" && q3.output_text === "You said: question 3" && (q3.usage?.total_tokens ?? 0) > 0
      )
      const bodies = (yield* responsesRequests).map((r) => r.body as Record<string, unknown>)
      assert.isTrue(bodies.every((b) => b["instructions"] === "Be brief."))
      assert.deepStrictEqual(bodies.filter((b) => b["model"] === "gpt-5.5").length, 1)
      assert.deepStrictEqual(bodies.filter((b) => b["model"] === "gpt-5.4-mini").length, 9)
    }).pipe(Effect.provide(layerClient())))

  it.effect("a usage limit pauses every worker until resetsAt (TestClock), then the item is retried, not failed", () =>
    Effect.gen(function*() {
      const emulator = yield* CodexEmulator.CodexEmulator
      yield* emulator.script(CodexEmulator.usageLimit({ resetsAt: 3600 }))
      const job = yield* watch(3, 10)
      const run = yield* Effect.fork(
        Batch.run(Stream.fromIterable(items(10)), { concurrency: 3, onProgress: job.onProgress }).pipe(
          Stream.runCollect
        )
      )
      assert.deepStrictEqual(
        yield* job.allWaiting(run),
        [3600_000, 3600_000, 3600_000],
        "once the requests in flight are answered, every worker waits for the reset: no request is sent"
      )
      assert.deepStrictEqual(job.pauses, [3600_000])
      assert.isBelow((yield* responsesRequests).length, 10)
      yield* TestClock.adjust(Duration.hours(1))
      const results = Chunk.toArray(yield* Fiber.join(run))
      assert.strictEqual(results.length, 10)
      assert.isTrue(results.every((r) => r.status === "ok"))
      assert.strictEqual((yield* responsesRequests).length, 11, "10 answers and the one request that met the limit")
    }).pipe(
      Effect.provide(
        layerClient({ config: timeouts })
      )
    ))

  it.effect("a limit the RateLimits service already knows pauses the job before a request is spent on it", () =>
    Effect.gen(function*() {
      const emulator = yield* CodexEmulator.CodexEmulator
      const full = {
        "x-codex-primary-used-percent": "100",
        "x-codex-primary-window-minutes": "300",
        "x-codex-primary-reset-at": "1800"
      }
      yield* emulator.script(CodexEmulator.sse(CodexEmulator.textEvents("last one"), { headers: full }))
      const job = yield* watch(1, 5)
      const run = yield* Effect.fork(
        Batch.run(Stream.fromIterable(items(5)), { concurrency: 1, onProgress: job.onProgress }).pipe(
          Stream.runCollect
        )
      )
      assert.deepStrictEqual(yield* job.allWaiting(run), [1800_000], "the worker waits for the reset")
      assert.deepStrictEqual(job.pauses, [1800_000])
      assert.strictEqual((yield* responsesRequests).length, 1)
      yield* TestClock.adjust(Duration.minutes(30))
      const results = Chunk.toArray(yield* Fiber.join(run))
      assert.isTrue(results.length === 5 && results.every((r) => r.status === "ok"))
      assert.strictEqual((yield* responsesRequests).length, 5, "no request met the limit")
    }).pipe(
      Effect.provide(
        layerClient({ config: timeouts })
      )
    ))

  it.effect(
    "500 items with injected 5xx, cut streams and a usage-limit window: every id exactly once, ok",
    () =>
      Effect.gen(function*() {
        const emulator = yield* CodexEmulator.CodexEmulator
        const boom = CodexEmulator.http(500, { error: { message: "high demand" } })
        const cut = CodexEmulator.sse(CodexEmulator.textEvents("cut").slice(0, 4))
        yield* emulator.script(
          ...Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? cut : boom)),
          CodexEmulator.usageLimit({ resetsAt: 120 }),
          ...Array.from({ length: 20 }, () => boom)
        )
        const job = yield* watch(16, 500)
        const run = yield* Effect.fork(
          Batch.run(Stream.fromIterable(items(500)), { concurrency: 16, onProgress: job.onProgress }).pipe(
            Stream.runCollect
          )
        )
        // The waits (a request's backoff, a cut stream's redo, the pause) end one by one, in
        // order: the clock moves to the earliest once every worker waits.
        for (let at = yield* job.allWaiting(run); at !== undefined; at = yield* job.allWaiting(run)) {
          yield* TestClock.setTime(at[0]!)
        }
        const results = Chunk.toArray(yield* Fiber.join(run))
        assert.strictEqual(results.length, 500)
        assert.strictEqual(new Set(results.map((r) => r.id)).size, 500)
        assert.isTrue(
          results.every((r) => r.status === "ok"),
          JSON.stringify(results.find((r) => r.status === "error"))
        )
        assert.strictEqual(
          (yield* emulator.requests).length,
          500 + 61,
          "beyond the 61 scripted failures, every request was answered"
        )
        assert.deepStrictEqual(job.pauses, [120_000], "one pause, until the window's reset")
      }).pipe(Effect.provide(layerClient({
        config: { ...timeouts, retryBaseDelay: Duration.millis(10) }
      }))),
    { timeout: 60_000 }
  )

  it.live("failFast: the first failed item stops the job with BatchStopped listing the ids left", () =>
    Effect.gen(function*() {
      const emulator = yield* CodexEmulator.CodexEmulator
      yield* emulator.script(CodexEmulator.http(400, { detail: "Instructions are not valid" }))
      const seen: Array<Batch.BatchResult> = []
      const error = yield* Effect.flip(
        Batch.run(Stream.fromIterable(items(6)), { concurrency: 1, failFast: true }).pipe(
          Stream.runForEach((r) => Effect.sync(() => void seen.push(r)))
        )
      )
      assert.strictEqual(error._tag, "BatchStopped")
      assert.deepStrictEqual(seen.map((r) => [r.id, r.status]), [["q0", "error"]])
      assert.isTrue(
        seen[0]?.status === "error" && seen[0].error._tag === "InvalidRequest" && seen[0].error["status"] === 400
      )
      // `run` stops pulling its input: the ids left are those it had read, in order.
      const remaining = error._tag === "BatchStopped" ? error.remaining : []
      assert.isAbove(remaining.length, 0)
      assert.deepStrictEqual(remaining, ["q1", "q2", "q3", "q4", "q5"].slice(0, remaining.length))
      assert.strictEqual((yield* responsesRequests).length, 1)
    }).pipe(Effect.provide(layerClient())))

  it.live("failFast at a usage limit stops cleanly: the item that met it is left, not failed", () =>
    Effect.gen(function*() {
      const emulator = yield* CodexEmulator.CodexEmulator
      yield* emulator.script(CodexEmulator.text("first"), CodexEmulator.usageLimit({ resetsAt: 4102444800 }))
      const seen: Array<Batch.BatchResult> = []
      const error = yield* Effect.flip(
        Batch.run(Stream.fromIterable(items(4)), { concurrency: 1, failFast: true }).pipe(
          Stream.runForEach((r) => Effect.sync(() => void seen.push(r)))
        )
      )
      assert.deepStrictEqual(seen.map((r) => [r.id, r.status]), [["q0", "ok"]])
      assert.deepStrictEqual(error._tag === "BatchStopped" ? error.remaining : [], ["q1", "q2", "q3"])
      assert.include(error.message, "usage limit")
    }).pipe(Effect.provide(layerClient())))

  it.live("a non-retryable failure is an error result with the error's fields; the job goes on", () =>
    Effect.gen(function*() {
      const results = Chunk.toArray(
        yield* Batch.run(Stream.make({ id: "a", input: "x", model: "gpt-5-pro" }, { id: "b", input: "y" })).pipe(
          Stream.runCollect
        )
      )
      const a = results.find((r) => r.id === "a")
      assert.isTrue(a?.status === "error" && a.error._tag === "ModelNotAvailable" && a.error["model"] === "gpt-5-pro")
      assert.isTrue(results.find((r) => r.id === "b")?.status === "ok")
    }).pipe(Effect.provide(layerClient())))
})

describe("Batch.runFile", () => {
  const write = (path: string, lines: ReadonlyArray<unknown>) =>
    NodeFs.writeFileSync(path, lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + "\n")

  it.scoped("an error line is the error encoded with the CodexError schema: it decodes back into the error", () =>
    Effect.gen(function*() {
      const dir = yield* tempHome
      const input = NodePath.join(dir, "in.jsonl")
      const output = NodePath.join(dir, "out.jsonl")
      write(input, [{ id: "a", input: "A", model: "gpt-5-pro" }])
      yield* Batch.runFile(input, output)
      const record = readLines(output)[0]?.["error"]
      const error = Schema.decodeUnknownSync(CodexError.CodexError)(record)
      assert.isTrue(error._tag === "ModelNotAvailable" && error.model === "gpt-5-pro" && error.status === 400)
      assert.isTrue(error._tag === "ModelNotAvailable" && error.endpoint === "POST /responses")
      assert.strictEqual((record as { message?: unknown }).message, error.message)
    }).pipe(Effect.provide(CodexEmulator.layerClient())))

  it("an error record never carries a cause raw, nor a secret its message quoted from the cause", () => {
    const cause = new Error("proxy refused Bearer sk-live-abcdefgh12345")
    const record = Batch.errorRecord(new CodexError.TransportError({ endpoint: "POST /responses", cause }))
    const json = JSON.stringify(record)
    assert.notInclude(json, "sk-live")
    assert.deepStrictEqual(record["cause"], { name: "Error", message: "proxy refused Bearer [redacted]" })
    assert.include(record.message, "Could not reach the backend for POST /responses: proxy refused Bearer [redacted]")
  })

  it.scoped("JSONL in and out; malformed lines and duplicate ids are error results with their line numbers", () =>
    Effect.gen(function*() {
      const dir = yield* tempHome
      const input = NodePath.join(dir, "in.jsonl")
      const output = NodePath.join(dir, "out.jsonl")
      write(input, [{ id: "a", input: "A" }, "{not json", "", { input: "no id" }, { id: "a", input: "again" }, {
        id: "b",
        input: "B"
      }])
      const summary = yield* Batch.runFile(input, output, { concurrency: 2 })
      assert.deepStrictEqual({ ok: summary.ok, failed: summary.failed, skipped: summary.skipped }, {
        ok: 2,
        failed: 3,
        skipped: 0
      })
      const lines = readLines(output)
      assert.strictEqual(lines.length, 5)
      const errors = lines.filter((l) => l["status"] === "error").map((l) => [l["id"], l["line"]])
      assert.deepStrictEqual(errors.sort(), [["a", 5], ["line 2", 2], ["line 4", 4]])
      assert.include(JSON.stringify(lines.find((l) => l["line"] === 5)), "first on line 1")
      assert.strictEqual(NodeFs.statSync(output).mode & 0o777, 0o600)
    }).pipe(Effect.provide(layerClient())))

  it.scoped(
    "a symlinked or non-regular output is refused; an existing output is made 0600; an overlong line is a line error",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempHome
        const input = NodePath.join(dir, "in.jsonl")
        write(input, [{ id: "a", input: "A" }, `{"id":"huge","input":"${"x".repeat(17 * 1024 * 1024)}"}`, {
          id: "b",
          input: "B"
        }])
        // Pointing the output at another file (auth.json, say) must not write through the link.
        const precious = NodePath.join(dir, "auth.json")
        NodeFs.writeFileSync(precious, "{\"tokens\":{}}")
        const link = NodePath.join(dir, "out-link.jsonl")
        NodeFs.symlinkSync(precious, link)
        const refused = yield* Effect.flip(Batch.runFile(input, link))
        assert.strictEqual(refused._tag, "BatchFileError")
        assert.include(refused.message, "symbolic link")
        assert.strictEqual(NodeFs.readFileSync(precious, "utf8"), "{\"tokens\":{}}")
        assert.strictEqual((yield* Effect.flip(Batch.runFile(input, dir)))._tag, "BatchFileError", "a directory")
        // A loose pre-existing output is tightened; the 17 Mi-character line is one line error.
        const output = NodePath.join(dir, "out.jsonl")
        NodeFs.writeFileSync(output, "", { mode: 0o644 })
        NodeFs.chmodSync(output, 0o644)
        const summary = yield* Batch.runFile(input, output)
        assert.deepStrictEqual({ ok: summary.ok, failed: summary.failed }, { ok: 2, failed: 1 })
        assert.strictEqual(NodeFs.statSync(output).mode & 0o777, 0o600)
        const error = readLines(output).find((l) => l["status"] === "error")
        assert.strictEqual(error?.["line"], 2)
        assert.include(JSON.stringify(error), "longer than 16 Mi characters")
      }).pipe(Effect.provide(layerClient())),
    30_000
  )

  it.scoped(
    "resumable: interrupted half-way, run again, completes the rest with zero repeated requests",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempHome
        const input = NodePath.join(dir, "in.jsonl")
        const output = NodePath.join(dir, "out.jsonl")
        write(input, items(200))
        const half = yield* Deferred.make<void>()
        const first = yield* Effect.fork(Batch.runFile(input, output, {
          concurrency: 8,
          onProgress: (p) => (p.ok >= 100 ? Deferred.succeed(half, undefined) : Effect.void)
        }))
        yield* Deferred.await(half)
        yield* Fiber.interrupt(first)
        const written = readLines(output)
        assert.isAtLeast(written.length, 100)
        assert.isBelow(written.length, 200, "the job stopped before the end")
        const afterFirst = (yield* responsesRequests).length
        assert.strictEqual(
          afterFirst,
          written.length,
          "every request sent had its result written (in-flight ones drained)"
        )
        const summary = yield* Batch.runFile(input, output, { concurrency: 8 })
        assert.strictEqual(summary.skipped, written.length)
        assert.strictEqual(summary.ok, 200 - written.length)
        const all = readLines(output)
        assert.strictEqual(new Set(all.filter((l) => l["status"] === "ok").map((l) => l["id"])).size, 200)
        const ids = (yield* responsesRequests).map((r) => JSON.stringify((r.body as { input: unknown }).input))
        assert.strictEqual(ids.length, 200)
        assert.strictEqual(new Set(ids).size, 200, "no successful request was repeated")
        const emulator = yield* CodexEmulator.CodexEmulator
        assert.strictEqual(yield* emulator.abortedStreams, 0)
      }).pipe(Effect.provide(layerClient())),
    { timeout: 60_000 }
  )

  it.scoped("a failed id is tried again on the next run; the latest line for an id wins", () =>
    Effect.gen(function*() {
      const dir = yield* tempHome
      const input = NodePath.join(dir, "in.jsonl")
      const output = NodePath.join(dir, "out.jsonl")
      write(input, items(3))
      write(output, [
        { id: "q0", status: "ok", output_text: "done before" },
        { id: "q1", status: "ok", output_text: "done" },
        { id: "q1", status: "error", error: { _tag: "ServerError", message: "later failure" } }
      ])
      const summary = yield* Batch.runFile(input, output)
      assert.deepStrictEqual([summary.skipped, summary.ok], [1, 2])
      const sent = (yield* responsesRequests).map((r) => JSON.stringify(r.body))
      assert.isFalse(sent.some((b) => b.includes("question 0")))
    }).pipe(Effect.provide(layerClient())))

  it.scoped(
    "100,000 lines against an instant backend: heap growth stays under a fixed bound",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempHome
        const input = NodePath.join(dir, "in.jsonl")
        const output = NodePath.join(dir, "out.jsonl")
        const fd = NodeFs.openSync(input, "w")
        for (let i = 0; i < 100_000; i++) {
          NodeFs.writeSync(fd, `{"id":"r${i}","input":"question number ${i} with some padding text"}\n`)
        }
        NodeFs.closeSync(fd)
        const response = yield* Responses.Responses.pipe(
          Effect.flatMap((r) => r.create({ input: "x" })),
          Effect.provide(Responses.layerTest({
            create: Responses.createFromStream(() => Stream.fromIterable(CodexEmulator.textEvents("answer")))
          }))
        )
        const retained = () => {
          globalThis.gc?.()
          return process.memoryUsage().heapUsed
        }
        const start = retained()
        let peak = start
        const summary = yield* Batch.runFile(input, output, {
          concurrency: 16,
          onProgress: (p) =>
            Effect.sync(() => {
              if (p.inFlight === 0 && p.ok % 10_000 === 0) peak = Math.max(peak, retained())
            })
        }).pipe(Effect.provide(Responses.layerTest({ create: () => Effect.succeed(response) })))
        assert.strictEqual(summary.ok, 100_000)
        assert.isFunction(globalThis.gc, "the suite runs with --expose-gc")
        const growth = (peak - start) / 1024 / 1024
        // The ids seen (for duplicate detection) are the only state that grows: ~100 bytes an id.
        assert.isBelow(growth, 32, `heap grew ${growth.toFixed(1)} MB`)
        let count = 0
        for (const byte of NodeFs.readFileSync(output)) if (byte === 10) count++
        assert.strictEqual(count, 100_000)
      }),
    { timeout: 120_000 }
  )
})

describe("Batch edge cases", () => {
  const instant = Responses.layerTest({
    create: Responses.createFromStream(() => Stream.fromIterable(CodexEmulator.textEvents("answer")))
  })

  it.effect("a failing input ends the job with the input's error, after the items it read", () =>
    Effect.gen(function*() {
      const input = Stream.concat(Stream.fromIterable(items(3)), Stream.fail("input broke" as const))
      const error = yield* Effect.flip(Batch.run(input).pipe(Stream.runCollect))
      assert.strictEqual(error, "input broke")
      const missing = yield* Effect.flip(Batch.runFile("/nonexistent/in.jsonl", "/tmp/never-written.jsonl"))
      assert.strictEqual(missing._tag, "BatchFileError")
    }).pipe(Effect.provide(instant)))

  it.effect("a usage limit whose reset is already past still pauses (5 s, doubling), never a request loop", () =>
    Effect.gen(function*() {
      const emulator = yield* CodexEmulator.CodexEmulator
      yield* emulator.script(CodexEmulator.usageLimit({ resetsAt: 0 }), CodexEmulator.usageLimit({ resetsAt: 0 }))
      const job = yield* watch(1, 1)
      const run = yield* Effect.fork(
        Batch.run(Stream.fromIterable(items(1)), { onProgress: job.onProgress }).pipe(Stream.runCollect)
      )
      assert.deepStrictEqual(yield* job.allWaiting(run), [5_000])
      assert.deepStrictEqual(job.pauses, [5_000])
      yield* TestClock.adjust(Duration.seconds(5))
      assert.deepStrictEqual(yield* job.allWaiting(run), [15_000])
      assert.deepStrictEqual(job.pauses, [5_000, 15_000], "the second pause is twice as long")
      yield* TestClock.adjust(Duration.seconds(10))
      const results = Chunk.toArray(yield* Fiber.join(run))
      assert.isTrue(results.length === 1 && results[0]?.status === "ok")
      assert.strictEqual((yield* responsesRequests).length, 3)
    }).pipe(
      Effect.provide(
        layerClient({ config: timeouts })
      )
    ))

  it.live("only the binding family pauses the job: another family at 100 %, or credits to go on with, do not", () =>
    Effect.gen(function*() {
      const emulator = yield* CodexEmulator.CodexEmulator
      const future = String(Math.floor(Date.now() / 1000) + 3600)
      yield* emulator.script(
        CodexEmulator.sse(CodexEmulator.textEvents("a"), {
          headers: {
            "x-codex-other-primary-used-percent": "100",
            "x-codex-other-primary-reset-at": future,
            "x-codex-primary-used-percent": "10"
          }
        }),
        CodexEmulator.sse(CodexEmulator.textEvents("b"), {
          headers: {
            "x-codex-primary-used-percent": "100",
            "x-codex-primary-reset-at": future,
            "x-codex-credits-has-credits": "true",
            "x-codex-credits-unlimited": "false"
          }
        })
      )
      const results = Chunk.toArray(
        yield* Batch.run(Stream.fromIterable(items(4)), { concurrency: 1 }).pipe(Stream.runCollect)
      )
      assert.strictEqual(results.length, 4)
      assert.strictEqual((yield* responsesRequests).length, 4)
    }).pipe(Effect.provide(layerClient())))

  it.live("failFast: a limit RateLimits already knows stops the job instead of pausing it", () =>
    Effect.gen(function*() {
      const emulator = yield* CodexEmulator.CodexEmulator
      const future = String(Math.floor(Date.now() / 1000) + 3600)
      yield* emulator.script(CodexEmulator.sse(CodexEmulator.textEvents("last"), {
        headers: { "x-codex-primary-used-percent": "100", "x-codex-primary-reset-at": future }
      }))
      const error = yield* Effect.flip(
        Batch.run(Stream.fromIterable(items(3)), { concurrency: 1, failFast: true }).pipe(Stream.runDrain)
      )
      assert.isTrue(error._tag === "BatchStopped" && error.remaining.join() === "q1,q2")
      assert.include(error.message, "usage limit is reached until")
      assert.strictEqual((yield* responsesRequests).length, 1)
    }).pipe(Effect.provide(layerClient())))

  it.effect("failFast on an endless input stops reading it", () =>
    Effect.gen(function*() {
      const endless = Stream.iterate(0, (n) => n + 1).pipe(
        Stream.map((n) => ({ id: `i${n}`, input: n === 0 ? "" : "x" }))
      )
      const error = yield* Effect.flip(Batch.run(endless, { concurrency: 2, failFast: true }).pipe(Stream.runDrain))
      assert.strictEqual(error._tag, "BatchStopped")
      assert.isBelow(error._tag === "BatchStopped" ? error.remaining.length : Infinity, 20)
    }).pipe(Effect.provide(Responses.layerTest({
      create: (params) =>
        params.input === ""
          ? Effect.fail(new CodexError.InvalidParameter({ parameter: "input", detail: "is empty" }))
          : Effect.flatMap(Responses.Responses, (r) => r.create(params)).pipe(Effect.provide(instant))
    }))), { timeout: 10_000 })

  it.scoped("runFile: a duplicate id reported after its answer does not make a rerun ask again; a cut last line does not swallow the next", () =>
    Effect.gen(function*() {
      const dir = yield* tempHome
      const input = NodePath.join(dir, "in.jsonl")
      const output = NodePath.join(dir, "out.jsonl")
      NodeFs.writeFileSync(
        input,
        [...items(3), { id: "q0", input: "again" }].map((l) => JSON.stringify(l)).join("\n") + "\n"
      )
      const first = yield* Batch.runFile(input, output, { concurrency: 1 })
      assert.deepStrictEqual([first.ok, first.failed], [3, 1])
      NodeFs.appendFileSync(output, "{\"id\":\"cut") // a line a kill cut short
      const second = yield* Batch.runFile(input, output, { concurrency: 1 })
      assert.deepStrictEqual([second.ok, second.skipped], [0, 3], "q0 stays answered")
      const lines = NodeFs.readFileSync(output, "utf8").split("\n").filter((l) => l !== "")
      assert.strictEqual(
        lines.filter((l) => {
          try {
            JSON.parse(l)
            return true
          } catch {
            return false
          }
        }).length,
        lines.length - 1
      )
    }).pipe(Effect.provide(instant)))
})
