/**
 * Resilient batch jobs over `responses.create`: many requests, a bounded number in flight,
 * and a plan's quota spent well.
 *
 * - **Usage limits.** When a request meets `RateLimited { kind: "usage_limit_reached" }`,
 *   every worker stops taking items until `resetsAt` (a `Clock` sleep); the item is retried
 *   after the pause, not reported as failed. A limit the `RateLimits` service already knows
 *   about (a window at 100 % whose reset is ahead) pauses the job before a request is
 *   spent on it. `RateLimited` with `retryAfter` pauses only that long.
 * - **Retries.** Items that fail with a retryable error are retried whole, on a schedule,
 *   on top of the per-request policy.
 * - **Nothing lost, nothing repeated.** Interrupting a job stops it taking items; the
 *   requests in flight are given `drainTimeout` to finish, and their results are delivered.
 *   `runFile` appends each result to its JSONL output as it comes, and skips on a rerun the
 *   ids already answered `ok`.
 *
 * @example
 * ```ts
 * import { Console, Effect, Stream } from "effect"
 * import { Batch } from "codex-backend-sdk"
 *
 * const job = Batch.run(
 *   Stream.make({ id: "a", input: "Say A." }, { id: "b", input: "Say B." }),
 *   { concurrency: 4, defaults: { model: "gpt-5.4", instructions: "Be brief." } }
 * ).pipe(Stream.runForEach((result) => Console.log(result.id, result.status)))
 * ```
 *
 * @since 0.1.0
 */
import {
  Cause,
  Clock,
  Duration,
  Effect,
  Exit,
  Fiber,
  Option,
  Predicate,
  Queue,
  Ref,
  Schedule,
  Schema,
  Stream,
  Take
} from "effect"
import * as NodeFs from "node:fs"
import { brand, CodexError, isRetryable } from "./CodexError.js"
import { scrub } from "./internal/scrub.js"
import { exhaustedUntil, RateLimits } from "./RateLimits.js"
import type { Response, Usage } from "./Response.js"
import type { CreateParams } from "./Responses.js"
import { Responses } from "./Responses.js"

/**
 * One request of a batch: a unique `id` and the parameters of `responses.create` (over
 * the job's `defaults`).
 *
 * @since 0.1.0
 * @category models
 */
export type BatchRequest = { readonly id: string } & CreateParams

/**
 * A failure as a batch result records it: the error encoded with the `CodexError` schema
 * (its tag and fields: `status`, `requestId`, `endpoint`, `kind`, `resetsAt` as an ISO
 * string, `retryAfter` in milliseconds...), JSON-ready, plus its `message`.
 * `Schema.decodeUnknown(CodexError.CodexError)` turns it back into the error. A `runFile`
 * line error (`_tag: "InvalidLine"`) has only `_tag` and `message`.
 *
 * @since 0.1.0
 * @category models
 */
export interface BatchError {
  readonly _tag: string
  readonly message: string
  readonly [field: string]: unknown
}

/**
 * The outcome of one request.
 *
 * @since 0.1.0
 * @category models
 */
export type BatchResult =
  | {
    readonly id: string
    readonly status: "ok"
    readonly output_text: string
    readonly response: Response
    readonly usage: Usage | null
  }
  | {
    readonly id: string
    readonly status: "error"
    readonly error: BatchError
    /** The input line, for `runFile`'s line errors (malformed line, duplicate id). */
    readonly line?: number
  }

/**
 * Where a job stands, reported after every change.
 *
 * @since 0.1.0
 * @category models
 */
export interface Progress {
  readonly ok: number
  readonly failed: number
  readonly inFlight: number
  /** Ids skipped because an earlier run answered them (`runFile`). */
  readonly skipped: number
  /** Total tokens of the answers so far. */
  readonly tokens: number
  /** Set while the job waits for a usage window to reset (or a `Retry-After`). */
  readonly pausedUntil: Date | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Requests in flight at once (default 4). */
  readonly concurrency?: number
  /** Parameters every request starts from (`model`, `instructions`, `reasoning`...). */
  readonly defaults?: Partial<CreateParams>
  /**
   * Stop at the first failed item, or at a usage limit, instead of reporting it and going
   * on (or pausing): the job ends with `BatchStopped`, which lists the ids left (for `run`,
   * those read from the input but not answered: the input is not pulled after the stop;
   * `runFile` lists every id of the file left).
   */
  readonly failFast?: boolean
  /**
   * When to retry a whole item after a retryable error (a cut stream, a 5xx that outlived
   * the per-request retries...). Default: twice, 1 s then 2 s apart.
   */
  readonly retry?: Schedule.Schedule<unknown, CodexError>
  /**
   * How long an interrupted `runFile` waits for the requests in flight, whose results it
   * then writes (default 30 s). An interrupted `run` aborts them at once.
   */
  readonly drainTimeout?: Duration.DurationInput
  /** Called after every change of the counters. */
  readonly onProgress?: (progress: Progress) => Effect.Effect<void>
}

/**
 * A job stopped early (`failFast`, or a plan that cannot serve it: `usage_not_included`,
 * `insufficient_quota`). `remaining` lists the ids that were not answered.
 *
 * @since 0.1.0
 * @category errors
 */
export class BatchStopped extends Schema.TaggedError<BatchStopped>("codex-backend-sdk/BatchStopped")("BatchStopped", {
  detail: Schema.String,
  remaining: Schema.Array(Schema.String)
}) {
  override get message() {
    return `The batch stopped: ${this.detail}. ${this.remaining.length} request(s) left${
      this.remaining.length === 0
        ? ""
        : `: ${this.remaining.slice(0, 10).join(", ")}${this.remaining.length > 10 ? ", …" : ""}`
    }.`
  }
}

const encodeError = Schema.encodeSync(CodexError)

/**
 * The JSON-ready record of an error: encoded with the `CodexError` schema (so a `cause` is
 * never written raw), with its `message` (scrubbed: a cause's text may be part of it).
 *
 * @since 0.1.0
 * @category constructors
 */
export const errorRecord = (error: CodexError): BatchError => ({ ...encodeError(error), message: scrub(error.message) })

const okResult = (id: string, response: Response): BatchResult => ({
  id,
  status: "ok",
  output_text: response.output_text,
  response,
  usage: response.usage ?? null
})

const isUsageLimit = (error: CodexError) => error._tag === "RateLimited" && error.kind === "usage_limit_reached"
const isPlanFailure = (error: CodexError) =>
  error._tag === "RateLimited" && (error.kind === "usage_not_included" || error.kind === "insufficient_quota")

/** The shortest pause after a usage limit (doubled per limit the same item meets in a row), and the longest. */
const minPause = 5_000
const maxPause = 300_000

const defaultRetry: Schedule.Schedule<unknown, CodexError> = Schedule.exponential(Duration.seconds(1)).pipe(
  Schedule.intersect(Schedule.recurs(2))
)

/** Ends the reading of the input after a stop. */
const stopPulling = Symbol("codex-backend-sdk/Batch/stopPulling")
type StopPulling = typeof stopPulling

/** What happened to one item. */
type Outcome =
  | { readonly _tag: "Result"; readonly result: BatchResult }
  | { readonly _tag: "Left"; readonly id: string }

/**
 * The job engine: one `process` per item; `onResult` runs for each result in the same
 * fiber that received it, so a result whose request finished is never lost to an
 * interruption.
 */
const engine = (
  options: Options,
  onResult: (result: BatchResult) => Effect.Effect<void>,
  drain: Duration.DurationInput
) =>
  Effect.gen(function*() {
    const responses = yield* Responses
    const limits = Option.getOrUndefined(yield* Effect.serviceOption(RateLimits))
    const retry = options.retry ?? defaultRetry
    const drainTimeout = Duration.decode(drain)
    const progress = yield* Ref.make<Progress>({
      ok: 0,
      failed: 0,
      inFlight: 0,
      skipped: 0,
      tokens: 0,
      pausedUntil: undefined
    })
    const report = (f: (p: Progress) => Progress) =>
      Effect.flatMap(
        Ref.updateAndGet(progress, f),
        (p) => (options.onProgress === undefined ? Effect.void : options.onProgress(p))
      )
    /** The job resumes at this time (epoch ms); 0 when it is not paused. */
    const resumeAt = yield* Ref.make(0)
    const stopped = yield* Ref.make<string | undefined>(undefined)

    const pauseUntil = (until: number) => Ref.update(resumeAt, (at) => Math.max(at, until))

    /**
     * Waits while the job is paused (by an error, or by a limit the RateLimits service
     * knows). With `failFast`, a known limit stops the job instead.
     */
    const gate: Effect.Effect<void> = Effect.gen(function*() {
      while (true) {
        const now = yield* Clock.currentTimeMillis
        const known = limits === undefined ? undefined : exhaustedUntil(yield* limits.latest, now)
        if (known !== undefined && options.failFast) {
          return yield* Ref.update(stopped, (reason) =>
            reason ?? `the usage limit is reached until ${known.toISOString()}`)
        }
        const until = Math.max(yield* Ref.get(resumeAt), known?.getTime() ?? 0)
        if (until <= now) {
          if ((yield* Ref.get(progress)).pausedUntil !== undefined) {
            yield* report((p) => ({ ...p, pausedUntil: undefined }))
          }
          return
        }
        const paused = (yield* Ref.get(progress)).pausedUntil
        if (paused?.getTime() !== until) {
          yield* report((p) => ({ ...p, pausedUntil: new Date(until) }))
        }
        yield* Clock.sleep(Duration.millis(until - now))
      }
    })

    /**
     * One request, in a fiber of its own: an interruption of the job waits up to
     * `drainTimeout` for it, so its result (delivered inside that fiber) is not lost.
     */
    const send = (id: string, params: CreateParams) =>
      Effect.gen(function*() {
        yield* report((p) => ({ ...p, inFlight: p.inFlight + 1 }))
        const fiber = yield* Effect.forkDaemon(
          responses.create(params).pipe(
            Effect.tap((response) => {
              const result = okResult(id, response)
              return Effect.zipRight(
                onResult(result),
                report((p) => ({ ...p, ok: p.ok + 1, tokens: p.tokens + (response.usage?.total_tokens ?? 0) }))
              )
            })
          )
        )
        return yield* Fiber.join(fiber).pipe(
          Effect.onInterrupt(() =>
            Fiber.await(fiber).pipe(
              Effect.timeout(drainTimeout),
              Effect.catchAll(() =>
                Fiber.interrupt(fiber)
              )
            )
          ),
          Effect.ensuring(report((p) => ({ ...p, inFlight: p.inFlight - 1 })))
        )
      })

    const fail = (id: string, error: CodexError) =>
      Effect.gen(function*() {
        const result: BatchResult = { id, status: "error", error: errorRecord(error) }
        yield* onResult(result)
        yield* report((p) => ({ ...p, failed: p.failed + 1 }))
        return result
      })

    /** An item, from its request to its result (or `Left` when the job stopped first). */
    const process = (request: BatchRequest): Effect.Effect<Outcome> => {
      const { id, ...own } = request
      const params: CreateParams = { ...options.defaults, ...own }
      /** Usage limits this item met in a row: a reset time already past must not make a request loop. */
      let limited = 0
      const attempt: Effect.Effect<Outcome, CodexError> = Effect.gen(function*() {
        yield* gate
        if ((yield* Ref.get(stopped)) !== undefined) return { _tag: "Left", id }
        const exit = yield* Effect.exit(send(id, params))
        if (Exit.isSuccess(exit)) return { _tag: "Result", result: okResult(id, exit.value) }
        const error = Cause.failureOption(exit.cause)
        if (Option.isNone(error)) return yield* Effect.failCause(exit.cause)
        const e = error.value
        const now = yield* Clock.currentTimeMillis
        if (isUsageLimit(e) || isPlanFailure(e)) {
          if (options.failFast || isPlanFailure(e)) {
            yield* Ref.update(stopped, (reason) => reason ?? e.message)
            return { _tag: "Left", id }
          }
          const resetsAt = e._tag === "RateLimited" ? e.resetsAt?.getTime() : undefined
          yield* Effect.logWarning(`Batch: ${e.message} Pausing every worker until the reset; ${id} will be retried.`)
          const floor = now + Math.min(minPause * 2 ** limited, maxPause)
          limited++
          yield* pauseUntil(Math.max(resetsAt ?? now + 60_000, floor))
          return yield* attempt
        }
        return yield* Effect.fail(e)
      })
      return attempt.pipe(
        Effect.retry({
          schedule: retry,
          while: (error) => {
            if (error._tag === "RateLimited" && error.retryAfter !== undefined) {
              return Effect.as(
                Effect.flatMap(Clock.currentTimeMillis, (now) =>
                  pauseUntil(now + Duration.toMillis(error.retryAfter ?? Duration.zero))),
                true
              )
            }
            return Effect.succeed(isRetryable(error))
          }
        }),
        Effect.catchAll((error) =>
          Effect.gen(function*() {
            const result = yield* fail(id, error)
            if (options.failFast) {
              yield* Ref.update(stopped, (reason) =>
                reason ?? `${id} failed: ${error.message}`)
            }
            return { _tag: "Result", result } as const
          })
        )
      )
    }

    /** Items arriving after the job stopped are only counted as left. */
    const item = (request: BatchRequest): Effect.Effect<Outcome> =>
      Effect.flatMap(
        Ref.get(stopped),
        (reason) => (reason === undefined ? process(request) : Effect.succeed({ _tag: "Left", id: request.id }))
      )

    /**
     * Runs every request through `concurrency` workers that pull from a bounded queue (an
     * order of magnitude cheaper per item than a concurrent `Stream.mapEffect`), handing
     * each outcome to `onOutcome`. Fails if the input fails.
     */
    const pool = <E, R>(
      requests: Stream.Stream<BatchRequest, E, R>,
      onOutcome: (outcome: Outcome) => Effect.Effect<void>,
      afterStop: "drain" | "stop"
    ) =>
      Effect.gen(function*() {
        const workers = Math.max(1, options.concurrency ?? 4)
        const queue = yield* Effect.acquireRelease(
          Queue.bounded<Option.Option<BatchRequest>>(workers * 2),
          Queue.shutdown
        )
        // After a stop, a finite input (a file) is read on so every id left is listed; any
        // other stream is not pulled again. The end markers go in whatever happens, so a
        // failing input ends the workers and its error surfaces.
        // (`Stream.runForEachWhile` keeps a continuation per element in effect 3.22: a stop
        // is a failure caught here instead.)
        const producer = Stream.runForEach(requests, (request) =>
          Effect.flatMap(Ref.get(stopped), (reason): Effect.Effect<void, E | StopPulling> =>
            reason !== undefined && afterStop === "stop"
              ? Effect.fail(stopPulling)
              : Queue.offer(queue, Option.some(request)))).pipe(
            Effect.catchIf((error): error is StopPulling =>
              error === stopPulling, () =>
              Effect.void),
            Effect.ensuring(Queue.offerAll(queue, Array.from({ length: workers }, () => Option.none<BatchRequest>())))
          )
        const worker: Effect.Effect<void> = Effect.flatMap(
          Queue.take(queue),
          (next) =>
            Option.isNone(next) ? Effect.void : Effect.zipRight(Effect.flatMap(item(next.value), onOutcome), worker)
        )
        const fiber = yield* Effect.fork(producer)
        yield* Effect.all(Array.from({ length: workers }, () => worker), { concurrency: "unbounded", discard: true })
        yield* Fiber.join(fiber)
      }).pipe(Effect.scoped)

    return { pool, stopped, report, progress: Ref.get(progress) }
  })

/**
 * Runs a batch: results in completion order. With `failFast` (or when the plan cannot
 * serve the job) the stream ends with `BatchStopped` after the results it has.
 *
 * @since 0.1.0
 * @category constructors
 */
export const run = <E, R>(
  requests: Stream.Stream<BatchRequest, E, R>,
  options: Options = {}
): Stream.Stream<BatchResult, E | BatchStopped, R | Responses> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    // Results leave through the stream: an interrupted consumer has no use for requests in flight.
    const job = yield* engine(options, () => Effect.void, Duration.zero)
    const out = yield* Effect.acquireRelease(
      Queue.bounded<Take.Take<BatchResult, E | BatchStopped>>(Math.max(1, options.concurrency ?? 4) * 2),
      Queue.shutdown
    )
    const left: Array<string> = []
    yield* job.pool(requests, (outcome) =>
      outcome._tag === "Left"
        ? Effect.sync(() => void left.push(outcome.id))
        : Queue.offer(out, Take.of(outcome.result)), "stop").pipe(
        Effect.zipRight(Ref.get(job.stopped)),
        Effect.matchCauseEffect({
          onFailure: (cause) => Queue.offer(out, Take.failCause(cause)),
          onSuccess: (reason) =>
            Queue.offer(
              out,
              reason === undefined ? Take.end : Take.fail(new BatchStopped({ detail: reason, remaining: left }))
            )
        }),
        Effect.forkScoped
      )
    return Stream.flattenTake(Stream.fromQueue(out))
  })).pipe(Stream.withSpan("Batch.run"))

/**
 * What `runFile` did.
 *
 * @since 0.1.0
 * @category models
 */
export interface Summary {
  readonly ok: number
  readonly failed: number
  /** Ids answered `ok` by an earlier run. */
  readonly skipped: number
  readonly tokens: number
  /** Ids not answered because the job stopped early (`failFast`, plan failure). */
  readonly remaining: ReadonlyArray<string>
  readonly stopReason: string | undefined
}

/**
 * An error of `runFile` itself (a file it cannot read or write).
 *
 * @since 0.1.0
 * @category errors
 */
export class BatchFileError
  extends Schema.TaggedError<BatchFileError>("codex-backend-sdk/BatchFileError")("BatchFileError", {
    path: Schema.String,
    detail: Schema.String
  })
{
  override get message() {
    return `${this.path}: ${this.detail}`
  }
}

brand(BatchStopped)
brand(BatchFileError)

/** The longest line a batch file may hold, in characters (16 Mi): a longer one is a line error, never a buffer. */
const maxLineChars = 16 * 1024 * 1024

/** A line longer than {@link maxLineChars}: its text is dropped as it is read. */
const overlong = Symbol("overlong")

/**
 * The lines of a file with their index, read in chunks (not one promise per line). A line
 * is held only up to `maxChars`; past that, the rest of it is skipped and it comes out as
 * {@link overlong}.
 */
const lines = (path: string, maxChars = maxLineChars) =>
  Stream.suspend(() => {
    let pieces: Array<string> = []
    let length = 0
    let skipping = false
    const line = (): string | typeof overlong => {
      const text = skipping ? overlong : pieces.join("")
      pieces = []
      length = 0
      skipping = false
      return typeof text === "string" && text.endsWith("\r") ? text.slice(0, -1) : text
    }
    const split = (chunk: string): Array<string | typeof overlong> => {
      const out: Array<string | typeof overlong> = []
      let start = 0
      for (;;) {
        const end = chunk.indexOf("\n", start)
        const piece = end === -1 ? chunk.slice(start) : chunk.slice(start, end)
        if (!skipping) {
          length += piece.length
          if (length > maxChars) {
            skipping = true
            pieces = []
          } else if (piece !== "") pieces.push(piece)
        }
        if (end === -1) return out
        out.push(line())
        start = end + 1
      }
    }
    return Stream.fromAsyncIterable(
      NodeFs.createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 16 }) as AsyncIterable<string>,
      (cause) => new BatchFileError({ path, detail: cause instanceof Error ? cause.message : String(cause) })
    ).pipe(
      Stream.mapConcat(split),
      Stream.concat(Stream.suspend(() => (skipping || length > 0 ? Stream.make(line()) : Stream.empty))),
      Stream.zipWithIndex
    )
  })

/**
 * Refuses an output path that is a symbolic link or not a regular file (pointing
 * `out.jsonl` at auth.json must not corrupt the login), and an input that is not a regular
 * file (a FIFO would hang the job).
 */
const checkFiles = (input: string, output: string) =>
  Effect.try({
    try: () => {
      const out = NodeFs.lstatSync(output, { throwIfNoEntry: false })
      if (out !== undefined && out.isSymbolicLink()) {
        throw new Error("the output is a symbolic link; refusing to write through it")
      }
      if (out !== undefined && !out.isFile()) throw new Error("the output is not a regular file")
      const into = NodeFs.statSync(input, { throwIfNoEntry: false })
      if (into !== undefined && !into.isFile()) throw new Error(`the input ${input} is not a regular file`)
    },
    catch: (cause) =>
      new BatchFileError({ path: output, detail: cause instanceof Error ? cause.message : String(cause) })
  })

/** The ids a previous run answered `ok` (the latest line for an id wins). */
const answered = (path: string) =>
  Effect.gen(function*() {
    const done = new Set<string>()
    if (!NodeFs.existsSync(path)) return done
    yield* lines(path).pipe(Stream.runForEach(([text]) =>
      Effect.sync(() => {
        if (text === overlong) return
        let record: unknown
        try {
          record = JSON.parse(text)
        } catch {
          return
        }
        // A line error (malformed line, duplicate id) says nothing about the id's request.
        if (!Predicate.isRecord(record) || typeof record["id"] !== "string" || "line" in record) return
        if (record["status"] === "ok") done.add(record["id"])
        else done.delete(record["id"])
      })
    ))
    return done
  })

/**
 * Runs a batch from a JSONL file into a JSONL file. An input line is
 * `{"id": "<unique>", ...responses.create params}`; an output line is a `BatchResult`.
 * Resumable: ids already answered `ok` in the output are skipped, failed ones tried again
 * (a new line is appended; the latest line for an id wins). A malformed line or a
 * duplicate id is an error result for that line, with its line number. Lines are appended
 * one by one as results arrive, so a killed job loses at most the requests in flight;
 * memory stays flat whatever the size of the input (it is streamed).
 *
 * @since 0.1.0
 * @category constructors
 */
export const runFile = (
  input: string,
  output: string,
  options: Options = {}
): Effect.Effect<Summary, BatchFileError, Responses> =>
  Effect.gen(function*() {
    yield* checkFiles(input, output)
    const done = yield* answered(output)
    // A line cut short (a full disk, a kill mid-write) must not swallow the next one.
    yield* Effect.try({
      try: () => {
        if (!NodeFs.existsSync(output)) return
        const size = NodeFs.statSync(output).size
        if (size === 0) return
        const last = Buffer.alloc(1)
        const fd = NodeFs.openSync(output, "r")
        try {
          NodeFs.readSync(fd, last, 0, 1, size - 1)
        } finally {
          NodeFs.closeSync(fd)
        }
        if (last[0] !== 10) NodeFs.appendFileSync(output, "\n")
      },
      catch: (cause) =>
        new BatchFileError({ path: output, detail: cause instanceof Error ? cause.message : String(cause) })
    })
    const file = yield* Effect.acquireRelease(
      Effect.try({
        try: () => {
          // O_NOFOLLOW: a symbolic link put in place since the check is refused too.
          const { O_APPEND, O_CREAT, O_NOFOLLOW, O_WRONLY } = NodeFs.constants
          const fd = NodeFs.openSync(output, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0o600)
          // A pre-existing output keeps no looser mode: it holds the model's answers.
          NodeFs.fchmodSync(fd, 0o600)
          return fd
        },
        catch: (cause) =>
          new BatchFileError({ path: output, detail: cause instanceof Error ? cause.message : String(cause) })
      }),
      (fd) => Effect.sync(() => NodeFs.closeSync(fd))
    )
    // Written synchronously: a line is in the file (the OS's) before the next result is taken.
    const write = (result: BatchResult) =>
      Effect.orDie(Effect.try(() => void NodeFs.writeSync(file, `${JSON.stringify(result)}\n`)))
    const job = yield* engine(options, write, options.drainTimeout ?? Duration.seconds(30))
    const seen = new Map<string, number>()
    const left: Array<string> = []
    const lineError = (line: number, id: string, message: string) =>
      Effect.as(
        Effect.zipRight(
          write({ id, status: "error", error: { _tag: "InvalidLine", message }, line }),
          job.report((p) => ({ ...p, failed: p.failed + 1 }))
        ),
        Option.none<BatchRequest>()
      )
    const requests = lines(input).pipe(
      Stream.filterMapEffect(([text, index]): Option.Option<Effect.Effect<Option.Option<BatchRequest>>> => {
        const line = index + 1
        if (text === overlong) {
          return Option.some(
            lineError(line, `line ${line}`, `line ${line} is longer than ${maxLineChars / 1024 / 1024} Mi characters`)
          )
        }
        if (text.trim() === "") return Option.none()
        let record: unknown
        try {
          record = JSON.parse(text)
        } catch {
          return Option.some(lineError(line, `line ${line}`, `line ${line} is not JSON`))
        }
        if (!Predicate.isRecord(record) || typeof record["id"] !== "string" || record["id"] === "") {
          return Option.some(lineError(line, `line ${line}`, `line ${line} has no string "id"`))
        }
        const id = record["id"]
        const first = seen.get(id)
        if (first !== undefined) {
          return Option.some(
            lineError(line, id, `duplicate id ${JSON.stringify(id)} on line ${line} (first on line ${first})`)
          )
        }
        seen.set(id, line)
        if (done.has(id)) {
          return Option.some(Effect.as(job.report((p) => ({ ...p, skipped: p.skipped + 1 })), Option.none()))
        }
        // A JSON line as the caller wrote it: `responses.create` validates its parameters.
        return Option.some(Effect.succeed(Option.some({ ...record, id } as BatchRequest)))
      }),
      Stream.filterMap((request) => request)
    )
    yield* job.pool(requests, (outcome) =>
      Effect.sync(() => (outcome._tag === "Left" ? void left.push(outcome.id) : undefined)), "drain")
    const { failed, ok, skipped, tokens } = yield* job.progress
    return { ok, failed, skipped, tokens, remaining: left, stopReason: yield* Ref.get(job.stopped) }
  }).pipe(Effect.scoped, Effect.withSpan("Batch.runFile"))
