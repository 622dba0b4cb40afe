/**
 * The Promise client, in openai-node's shape, for code that does not use Effect:
 * `new OpenAI()`, `await client.authenticate()`, `await client.responses.create(...)`,
 * `for await (const event of stream)`.
 *
 * It is a thin facade over one `ManagedRuntime` of the live stack (`CodexClient.layerWith`),
 * not a second implementation: every call runs the Effect service of its group, and
 * rejects with that service's typed error (`CodexError.RateLimited`, `AuthExpired`, ...).
 * Building a client does no I/O; the runtime is built by the first call.
 *
 * @example
 * ```ts
 * import OpenAI from "codex-backend-sdk/OpenAI"
 *
 * const client = await new OpenAI().authenticate()
 * const response = await client.responses.create({ model: "gpt-5.4", input: "Explain quicksort." })
 * console.log(response.output_text)
 *
 * const stream = await client.responses.create({ input: "Say hi five times.", stream: true })
 * for await (const event of stream) {
 *   if (event.type === "response.output_text.delta") process.stdout.write(event.delta)
 * }
 * await client.close()
 * ```
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type { Fiber } from "effect"
import {
  Cause,
  Chunk,
  Context,
  Duration,
  Effect,
  Either,
  Exit,
  Layer,
  ManagedRuntime,
  Option,
  Redacted,
  Runtime,
  Scope,
  Stream as EffectStream
} from "effect"
import * as Audio from "./Audio.js"
import * as CodexAccount from "./CodexAccount.js"
import * as CodexAuth from "./CodexAuth.js"
import * as CodexConfig from "./CodexConfig.js"
import * as CodexError from "./CodexError.js"
import * as Embeddings from "./Embeddings.js"
import { ConversationsResource } from "./internal/facade/conversations.js"
import * as Errors from "./internal/facade/errors.js"
import { APIUserAbortError } from "./internal/facade/errors.js"
import * as Files from "./internal/facade/files.js"
import * as Options from "./internal/facade/options.js"
import * as Parse from "./internal/facade/parse.js"
import * as ResponseStore from "./internal/facade/responseStore.js"
import * as Models from "./Models.js"
import * as OAuth from "./OAuth.js"
import * as Realtime from "./Realtime.js"
import type { CompactedResponse, Response } from "./Response.js"
import * as ResponseCollector from "./ResponseCollector.js"
import * as Responses from "./Responses.js"
import type { EventOf, ResponseStreamEvent } from "./ResponseStreamEvent.js"
import * as TokenStore from "./TokenStore.js"

// ---------------------------------------------------------------------------------------
// Options and errors
// ---------------------------------------------------------------------------------------

/**
 * The options of `new OpenAI(options)`: every `CodexConfig` option (base URLs,
 * `codexHome`, timeouts, retries, `parameterPolicy`...), over the environment
 * (`CODEX_HOME`, `CODEX_BASE_URL`, ...), plus openai-node's `baseURL`, `apiKey` (a
 * ChatGPT access token, with `accountId`), `timeout`, `maxRetries`, `defaultHeaders`,
 * `fetch`, `logLevel` and `logger`, and `layer`. A wrong option, or one this backend has
 * no use for (`defaultQuery`, `organization`, `project`, `dangerouslyAllowBrowser: true`,
 * `fetchOptions`, `httpAgent`, `webhookSecret`), throws `InvalidParameter` (an
 * `OpenAIError`) naming it at construction.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientOptions extends CodexConfig.Options, Omit<Options.NodeOptions, "maxRetries"> {
  /**
   * Runs the client over another stack instead of the live one, e.g.
   * `CodexEmulator.layerClient()` or `CodexClient.layerTest({...})`. The layer brings its
   * own configuration: `baseURL`, `apiKey`, `fetch`, `defaultHeaders`, `timeout` and
   * `maxRetries` beside it throw (the other `CodexConfig` options are ignored). A group whose service the
   * layer lacks rejects with an `Error` naming it.
   */
  readonly layer?: Layer.Layer<never, unknown> | undefined
  /**
   * Makes `previous_response_id` work on `responses.create` / `responses.stream`, which
   * the stateless backend refuses: every response this client completes is kept with the
   * history that produced it — in memory (`"memory"`) or one file per response in a
   * directory — and a request naming a `previous_response_id` is expanded locally into that
   * history plus its own input, the request an explicit history would have sent. Without
   * it, `previous_response_id` is an `UnsupportedParameter`, as the backend's 400 would be.
   */
  readonly responseStore?: "memory" | (string & {}) | undefined
}

/**
 * openai-node's per-request options, the second argument of every method.
 *
 * - `signal`: aborting it interrupts the call (and closes its HTTP connection at once);
 *   the call rejects with {@link APIUserAbortError}.
 * - `timeout`: milliseconds to wait for the reply's headers, per attempt (the call's
 *   `requestTimeout`); a stream's idle timeout is `streamIdleTimeout`, unchanged.
 * - `maxRetries`: retries of a failure before the first byte (the call's `maxRetries`);
 *   it also caps the whole-request redo of a collected `responses.create` after a cut stream
 *   (`maxStreamRetries`), so `maxRetries: 0` sends exactly once.
 *
 * `timeout` and `maxRetries` apply to that call alone (`CodexConfig.withCallPolicy`); a
 * negative `maxRetries` rejects with `InvalidParameter`, and so does any other of
 * openai-node's per-request options (`headers`, `query`, `idempotencyKey`...), which this
 * client would otherwise ignore. A test stack without live services
 * (`CodexClient.layerTest`) has nothing to retry: they change nothing there.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestOptions {
  readonly signal?: AbortSignal | undefined
  readonly timeout?: number | undefined
  readonly maxRetries?: number | undefined
}

export {
  /**
   * openai-node's error classes. Calls reject with the SDK's tagged errors (`_tag`,
   * `resetsAt`, ...), which these classes recognise by status and tag: a 429 is
   * `instanceof RateLimitError`, `APIError` and `OpenAIError`.
   *
   * @since 0.1.0
   * @category errors
   */
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  OpenAIError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError
} from "./internal/facade/errors.js"

export {
  /**
   * openai-node's `toFile(value, name?, options?)`: a web `File` from bytes, a `Blob`, a
   * fetch `Response` or a stream, for `audio.transcriptions.create({ file })`.
   *
   * @since 0.1.0
   * @category files
   */
  toFile
} from "./internal/facade/files.js"

/**
 * @since 0.1.0
 * @category files
 */
export type { FileInput, ToFileInput } from "./internal/facade/files.js"

/**
 * @since 0.1.0
 * @category models
 */
export type { ParsedResponse } from "./internal/facade/parse.js"

/**
 * The parameters of `audio.transcriptions.create`: `file` in any form openai-node or the
 * seed takes (see {@link FileInput}).
 *
 * @since 0.1.0
 * @category models
 */
export type TranscriptionCreateParams = Omit<Audio.TranscriptionCreateParams, "file"> & {
  readonly file: Files.FileInput
}

/** What a rejected call rejects with: the typed failure itself, never a wrapper. */
const toRejection = (cause: Cause.Cause<unknown>): unknown => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) {
    const error = failure.value
    return error instanceof Error ? Errors.withApiFields(error) : new Error(String(error), { cause: error })
  }
  if (Cause.isInterruptedOnly(cause)) return new APIUserAbortError()
  const defect = Cause.squash(cause)
  return defect instanceof Error ? defect : new Error(String(defect), { cause: defect })
}

const settle = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isSuccess(exit)) return exit.value
  throw toRejection(exit.cause)
}

const awaitFiber = <A, E>(fiber: Fiber.RuntimeFiber<A, E>): Promise<Exit.Exit<A, E>> =>
  new Promise((resolve) => fiber.addObserver(resolve))

// ---------------------------------------------------------------------------------------
// The engine: one runtime, built on first use
// ---------------------------------------------------------------------------------------

/** The runtime of one client, built on first use. */
class Engine {
  private managed: ManagedRuntime.ManagedRuntime<never, unknown> | undefined = undefined
  private building: Promise<Runtime.Runtime<never>> | undefined = undefined
  /** The built runtime: calls run on it synchronously once it exists. */
  ready: Runtime.Runtime<never> | undefined = undefined
  private closed = false

  constructor(private readonly layer: () => Layer.Layer<never, unknown>) {}

  runtime(): Promise<Runtime.Runtime<never>> {
    if (this.closed) return Promise.reject(new Error("This client was closed."))
    if (this.ready !== undefined) return Promise.resolve(this.ready)
    if (this.building === undefined) {
      const managed = ManagedRuntime.make(this.layer())
      this.managed = managed
      this.building = Effect.runPromiseExit(managed.runtimeEffect).then((exit) => {
        const runtime = settle(exit)
        this.ready = runtime
        return runtime
      })
    }
    return this.building
  }

  /** The built runtime, or the promise of it. */
  current(): Runtime.Runtime<never> | Promise<Runtime.Runtime<never>> {
    return this.ready ?? this.runtime()
  }

  /** Runs one call of a group's service. */
  run<I, S, A, E>(
    tag: Context.Tag<I, S>,
    use: (service: S) => Effect.Effect<A, E>,
    options: RequestOptions | undefined
  ): Promise<A> {
    const signal = options?.signal
    if (signal?.aborted === true) return Promise.reject(new APIUserAbortError())
    const policy = callPolicy(options)
    const call = (service: S) =>
      Effect.zipRight(
        Options.checkRequest(options),
        policy === undefined ? use(service) : withPolicy(use(service), policy)
      )
    const runtime = this.current()
    if (!(runtime instanceof Promise)) return runOn(runtime, tag, call, signal)
    return runtime.then((rt) => runOn(rt, tag, call, signal))
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.ready = undefined
    if (this.managed !== undefined) await this.managed.dispose()
  }
}

/** openai-node's `timeout` / `maxRetries` as a call policy (`undefined`: the configured one). */
const callPolicy = (options: RequestOptions | undefined): CodexConfig.CallPolicy | undefined => {
  const timeout = options?.timeout
  const maxRetries = options?.maxRetries
  if (timeout === undefined && maxRetries === undefined) return undefined
  return {
    ...(timeout === undefined ? {} : { requestTimeout: Duration.millis(timeout) }),
    // openai-node's maxRetries bounds every resend: a collected call's redo after a cut stream too.
    ...(maxRetries === undefined ? {} : { maxRetries, maxStreamRetries: maxRetries })
  }
}

const withPolicy = <A, E>(effect: Effect.Effect<A, E>, policy: CodexConfig.CallPolicy) =>
  Effect.flatMap(Effect.serviceOption(CodexConfig.CodexConfig), (config) =>
    CodexConfig.withCallPolicy(effect, {
      ...policy,
      ...(policy.maxStreamRetries === undefined || Option.isNone(config)
        ? {}
        : { maxStreamRetries: Math.min(policy.maxStreamRetries, config.value.maxStreamRetries) })
    }))

/** A stream whose requests follow `policy` (set for the fiber that runs it, for its lifetime). */
const streamWithPolicy = <A, E>(
  stream: EffectStream.Stream<A, E>,
  options: RequestOptions | undefined
): EffectStream.Stream<A, E | CodexError.InvalidParameter> => {
  const policy = callPolicy(options)
  return EffectStream.unwrapScoped(Effect.zipRight(
    Options.checkRequest(options),
    policy === undefined ?
      Effect.succeed(stream) :
      Effect.flatMap(
        CodexConfig.checkCallPolicy(policy),
        (checked) => Effect.as(Effect.locallyScoped(CodexConfig.currentCallPolicy, checked), stream)
      )
  ))
}

const serviceOf = <I, S>(runtime: Runtime.Runtime<never>, tag: Context.Tag<I, S>): S => {
  const service = Context.getOption(runtime.context, tag)
  if (Option.isNone(service)) throw new Error(`This client's layer does not provide ${tag.key}.`)
  return service.value
}

const runOn = <I, S, A, E>(
  runtime: Runtime.Runtime<never>,
  tag: Context.Tag<I, S>,
  use: (service: S) => Effect.Effect<A, E>,
  signal: AbortSignal | undefined
): Promise<A> => {
  let effect: Effect.Effect<A, E>
  try {
    effect = use(serviceOf(runtime, tag))
  } catch (error) {
    return Promise.reject(error)
  }
  return Runtime.runPromiseExit(runtime)(effect, signal === undefined ? undefined : { signal }).then(settle)
}

// ---------------------------------------------------------------------------------------
// Streams
// ---------------------------------------------------------------------------------------

/**
 * A streamed reply, as openai-node's `Stream`: async iterable once, with the
 * `controller` that owns its HTTP request. Breaking out of the loop, throwing inside it,
 * or `controller.abort()` closes the connection at once (an abort while a `next()` is
 * pending rejects it with {@link APIUserAbortError}). A failure of the stream is thrown
 * from the loop as the SDK's typed error.
 *
 * @since 0.1.0
 * @category streaming
 */
export class Stream<Item> implements AsyncIterable<Item> {
  /** Aborting it closes the HTTP connection. */
  readonly controller: AbortController = new AbortController()
  private chunk: ReadonlyArray<Item> = []
  private index = 0
  private done = false
  private failure: { readonly error: unknown } | undefined = undefined
  private iterated = false
  private fiber: Fiber.RuntimeFiber<Chunk.Chunk<Item>, Option.Option<unknown>> | undefined = undefined
  private closing: Promise<void> | undefined = undefined
  /** Detaches the per-request signal, so a long-lived signal does not keep finished streams. */
  private unlink: () => void = () => undefined

  private constructor(
    private readonly runtime: Runtime.Runtime<never>,
    private readonly scope: Scope.CloseableScope,
    private readonly pull: Effect.Effect<Chunk.Chunk<Item>, Option.Option<unknown>>
  ) {
    this.controller.signal.addEventListener("abort", () => void this.cancel(), { once: true })
  }

  /**
   * Opens an Effect stream on a runtime and reads its first chunk, so that a failure to
   * connect (a 429, an expired login) rejects here, as openai-node's `create` does.
   *
   * @internal
   */
  static async open<Item, E>(
    runtime: Runtime.Runtime<never>,
    stream: EffectStream.Stream<Item, E>,
    signal: AbortSignal | undefined
  ): Promise<Stream<Item>> {
    if (signal?.aborted === true) throw new APIUserAbortError()
    const scope = Effect.runSync(Scope.make())
    const pull = await Runtime.runPromise(runtime)(Scope.extend(EffectStream.toPull(stream), scope))
    const opened = new Stream<Item>(runtime, scope, pull)
    if (signal !== undefined) {
      const abort = () => opened.controller.abort()
      signal.addEventListener("abort", abort, { once: true })
      opened.unlink = () => signal.removeEventListener("abort", abort)
      if (signal.aborted) abort()
    }
    await opened.fill()
    return opened
  }

  /** Pulls the next chunk; at the end, or on failure, closes the scope. */
  private async fill(): Promise<void> {
    if (this.failure !== undefined) throw this.failure.error
    if (this.done) return
    const fiber = Runtime.runFork(this.runtime)(this.pull)
    this.fiber = fiber
    const exit = await awaitFiber(fiber)
    this.fiber = undefined
    if (Exit.isSuccess(exit)) {
      this.chunk = Chunk.toReadonlyArray(exit.value)
      this.index = 0
      return
    }
    const failure = Cause.failureOption(exit.cause)
    if (Option.isSome(failure) && Option.isNone(failure.value)) {
      this.done = true
      await this.cancel()
      return
    }
    const error = Option.isSome(failure) && Option.isSome(failure.value)
      ? failure.value.value
      : toRejection(Cause.map(exit.cause, () => undefined))
    this.failure = { error: this.controller.signal.aborted ? new APIUserAbortError() : error }
    await this.cancel()
    throw this.failure.error
  }

  /** Interrupts a pending pull and closes the request's scope (idempotent). */
  private cancel(): Promise<void> {
    if (this.closing === undefined) {
      if (!this.done && this.failure === undefined) {
        // Aborted: what was read but not yet consumed is dropped, as the connection is.
        this.failure = { error: new APIUserAbortError() }
        this.chunk = []
      }
      this.done = true
      this.unlink()
      const fiber = this.fiber
      this.closing = Runtime.runPromise(this.runtime)(
        Effect.zipRight(
          fiber === undefined ? Effect.void : fiber.interruptAsFork(fiber.id()),
          Scope.close(this.scope, Exit.void)
        )
      )
    }
    return this.closing
  }

  /**
   * Splits the stream in two, as openai-node's `tee()`: two independent streams, each
   * iterable once, each keeping what the other has read and it has not yet. This stream is
   * consumed by it. The connection closes when both are done, broken out of or aborted (or
   * at once on this stream's `controller.abort()`, which both then throw).
   */
  tee(): [Stream<Item>, Stream<Item>] {
    const source = this[Symbol.asyncIterator]()
    const queues: [Array<Promise<IteratorResult<Item>>>, Array<Promise<IteratorResult<Item>>>] = [[], []]
    let released = 0
    const release = () => {
      if (++released === 2) void source.return?.()
    }
    const branch = (mine: Array<Promise<IteratorResult<Item>>>, other: Array<Promise<IteratorResult<Item>>>) => {
      const next = (): Promise<IteratorResult<Item>> => {
        const queued = mine.shift()
        if (queued !== undefined) return queued
        const result = source.next()
        // The other branch may never read it: its failure is not an unhandled rejection.
        result.catch(() => undefined)
        other.push(result)
        return result
      }
      const pull: Effect.Effect<Chunk.Chunk<Item>, Option.Option<unknown>> = Effect.flatMap(
        Effect.tryPromise({ try: next, catch: Option.some }),
        (result) => result.done === true ? Effect.fail(Option.none()) : Effect.succeed(Chunk.of(result.value))
      )
      const scope = Effect.runSync(Scope.make())
      Effect.runSync(Scope.addFinalizer(scope, Effect.sync(release)))
      return new Stream<Item>(this.runtime, scope, pull)
    }
    return [branch(queues[0], queues[1]), branch(queues[1], queues[0])]
  }

  [Symbol.asyncIterator](): AsyncIterator<Item> {
    if (this.iterated) throw new Error("Cannot iterate over a consumed stream, use `.tee()` to split the stream.")
    this.iterated = true
    return {
      next: async (): Promise<IteratorResult<Item>> => {
        for (;;) {
          if (this.index < this.chunk.length) {
            const value = this.chunk[this.index++]
            if (value !== undefined) return { done: false, value }
            continue
          }
          if (
            this.failure !== undefined && this.failure.error instanceof APIUserAbortError && this.closing !== undefined
          ) {
            // Aborted by the controller: openai-node's loop ends with the abort error.
            throw this.failure.error
          }
          if (this.done) return { done: true, value: undefined }
          await this.fill()
        }
      },
      return: async (): Promise<IteratorResult<Item>> => {
        this.chunk = []
        this.done = true
        this.failure = undefined
        await this.cancel()
        return { done: true, value: undefined }
      }
    }
  }
}

/**
 * The listeners of a {@link ResponseStream}: one per event type, plus `event` (every
 * event), `connect`, `end`, `error` and `abort`, as openai-node's.
 *
 * @since 0.1.0
 * @category streaming
 */
export type ResponseStreamListeners =
  & { readonly [K in Exclude<ResponseStreamEvent["type"], SnapshotType>]: (event: EventOf<K>) => void }
  & { readonly [K in SnapshotType]: (event: EventOf<K> & { readonly snapshot: string }) => void }
  & {
    readonly event: (event: ResponseStreamEvent) => void
    readonly connect: () => void
    readonly end: () => void
    readonly error: (error: unknown) => void
    readonly abort: (error: APIUserAbortError) => void
  }

type Listener = (value: unknown) => void

/** The delta events whose listeners also get the text so far, as openai-node's `snapshot`. */
type SnapshotType = "response.output_text.delta" | "response.function_call_arguments.delta"

/**
 * openai-node's `client.responses.stream(...)` helper: it starts at once, is async
 * iterable (stopping early aborts the request), calls `on(...)` listeners (text and
 * argument deltas with openai-node's `snapshot`, the text so far), and
 * `finalResponse()` resolves to the whole `Response` built by the SDK's collector (items
 * rebuilt from `output_item.done`, `output_text` set): right against this backend,
 * whose `response.completed` carries an empty `output`.
 *
 * @since 0.1.0
 * @category streaming
 */
export class ResponseStream implements AsyncIterable<ResponseStreamEvent> {
  /** Aborting it closes the HTTP connection (same as `abort()`). */
  readonly controller: AbortController = new AbortController()
  private readonly listeners = new Map<string, Array<{ readonly listener: Listener; readonly once: boolean }>>()
  private readonly final: Promise<Response>
  private state: "running" | "ended" | "errored" | "aborted" = "running"

  /** @internal */
  constructor(
    runtime: Runtime.Runtime<never> | Promise<Runtime.Runtime<never>>,
    open: (runtime: Runtime.Runtime<never>) => EffectStream.Stream<ResponseStreamEvent, unknown>,
    signal: AbortSignal | undefined
  ) {
    const abort = () => this.abort()
    signal?.addEventListener("abort", abort, { once: true })
    if (signal?.aborted === true) this.controller.abort()
    this.final = Promise.resolve(runtime).then((rt) => {
      if (this.controller.signal.aborted) throw new APIUserAbortError()
      const snapshots = new Map<string, string>()
      const emit = (chunk: Chunk.Chunk<ResponseStreamEvent>) =>
        Effect.sync(() => {
          for (const event of chunk) {
            if (
              event.type === "response.output_text.delta" || event.type === "response.function_call_arguments.delta"
            ) {
              const key = event.type === "response.output_text.delta"
                ? `${event.output_index}:${event.content_index}`
                : `${event.output_index}:arguments`
              const snapshot = (snapshots.get(key) ?? "") + event.delta
              snapshots.set(key, snapshot)
              if (this.listeners.has(event.type)) this.emit(event.type, { ...event, snapshot })
            } else {
              this.emit(event.type, event)
            }
            this.emit("event", event)
          }
        })
      let connected = false
      const collected = ResponseCollector.fold((push) =>
        EffectStream.runForEachChunk(open(rt), (chunk) => {
          if (!connected) {
            connected = true
            this.emit("connect", undefined)
          }
          push(chunk)
          return emit(chunk)
        })
      )
      const fiber = Runtime.runFork(rt)(collected)
      const onAbort = () => fiber.unsafeInterruptAsFork(fiber.id())
      this.controller.signal.addEventListener("abort", onAbort, { once: true })
      return awaitFiber(fiber).then((exit) => {
        this.controller.signal.removeEventListener("abort", onAbort)
        return settle(exit)
      })
    }).then(
      (response) => {
        this.state = "ended"
        this.emit("end", undefined)
        return response
      },
      (error: unknown) => {
        const aborted = this.controller.signal.aborted
        const rejection = aborted ? new APIUserAbortError() : error
        this.state = aborted ? "aborted" : "errored"
        if (aborted) this.emit("abort", rejection)
        else this.emit("error", rejection)
        this.emit("end", undefined)
        throw rejection
      }
    )
    // A stream nobody awaits must not become an unhandled rejection.
    this.final.catch(() => undefined).finally(() => signal?.removeEventListener("abort", abort))
  }

  /** Whether the stream has ended (completed, failed or aborted). */
  get ended(): boolean {
    return this.state !== "running"
  }

  /** Whether the stream failed. */
  get errored(): boolean {
    return this.state === "errored"
  }

  /** Whether the stream was aborted. */
  get aborted(): boolean {
    return this.state === "aborted"
  }

  private emit(event: string, value: unknown): void {
    const listeners = this.listeners.get(event)
    if (listeners === undefined || listeners.length === 0) return
    for (const entry of listeners.slice()) {
      if (entry.once) this.remove(event, entry.listener)
      entry.listener(value)
    }
  }

  /** Adds a listener for an event type (`"response.output_text.delta"`...), `event`, `end`, `error`, `abort`. */
  on<K extends keyof ResponseStreamListeners>(event: K, listener: ResponseStreamListeners[K]): this {
    return this.add(event, listener, false)
  }

  /** Adds a listener called once. */
  once<K extends keyof ResponseStreamListeners>(event: K, listener: ResponseStreamListeners[K]): this {
    return this.add(event, listener, true)
  }

  /** Removes a listener. */
  off<K extends keyof ResponseStreamListeners>(event: K, listener: ResponseStreamListeners[K]): this {
    return this.remove(event, listener)
  }

  private remove(event: string, listener: unknown): this {
    const listeners = this.listeners.get(event)
    if (listeners !== undefined) {
      const at = listeners.findIndex((entry) => entry.listener === listener)
      if (at !== -1) listeners.splice(at, 1)
    }
    return this
  }

  private add(event: string, listener: unknown, once: boolean): this {
    // Listeners are stored untyped; `on`'s signature ties each to its event.
    const stored = listener as Listener
    const listeners = this.listeners.get(event)
    if (listeners === undefined) this.listeners.set(event, [{ listener: stored, once }])
    else listeners.push({ listener: stored, once })
    return this
  }

  /** Closes the HTTP connection; `finalResponse()` and a running loop reject with {@link APIUserAbortError}. */
  abort(): void {
    this.controller.abort()
  }

  /** Resolves when the stream has ended successfully; rejects as `finalResponse()`. */
  async done(): Promise<void> {
    await this.final
  }

  /**
   * The whole `Response`, folded from every event by the SDK's collector. Rejects with the
   * typed error of a failed stream (`ResponseFailed`, `StreamInterrupted`...).
   */
  finalResponse(): Promise<Response> {
    return this.final
  }

  [Symbol.asyncIterator](): AsyncIterator<ResponseStreamEvent> {
    const queue: Array<ResponseStreamEvent> = []
    const waiting: Array<
      { resolve: (result: IteratorResult<ResponseStreamEvent>) => void; reject: (error: unknown) => void }
    > = []
    let finished: { readonly error: unknown } | "done" | undefined = undefined
    const onEvent = (event: ResponseStreamEvent) => {
      const next = waiting.shift()
      if (next === undefined) queue.push(event)
      else next.resolve({ done: false, value: event })
    }
    this.on("event", onEvent)
    const settleAll = () => {
      for (const next of waiting.splice(0)) {
        if (finished === "done" || finished === undefined) next.resolve({ done: true, value: undefined })
        else next.reject(finished.error)
      }
    }
    this.final.then(
      () => {
        finished = "done"
        settleAll()
      },
      (error: unknown) => {
        finished = { error }
        settleAll()
      }
    )
    return {
      next: () => {
        const event = queue.shift()
        if (event !== undefined) return Promise.resolve({ done: false, value: event })
        if (finished === "done") return Promise.resolve({ done: true, value: undefined })
        if (finished !== undefined) return Promise.reject(finished.error)
        return new Promise((resolve, reject) => void waiting.push({ resolve, reject }))
      },
      return: async () => {
        this.off("event", onEvent)
        if (this.state === "running") {
          this.abort()
          await this.final.catch(() => undefined)
        }
        return { done: true, value: undefined }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Pages
// ---------------------------------------------------------------------------------------

/**
 * A page of a list, as openai-node's `Page`: `data`, and iterable over its items, with
 * `for await` as with `for…of`. The backend's lists are not paginated: there is never a
 * next page.
 *
 * @since 0.1.0
 * @category models
 */
export class Page<Item> implements AsyncIterable<Item>, Iterable<Item> {
  readonly object = "list" as const
  readonly data: Array<Item>
  constructor(data: ReadonlyArray<Item>) {
    this.data = data.slice()
  }
  /** The items of this page. */
  getPaginatedItems(): Array<Item> {
    return this.data
  }
  /** Always `false`. */
  hasNextPage(): boolean {
    return false
  }
  async *[Symbol.asyncIterator](): AsyncIterator<Item> {
    yield* this.data
  }
  [Symbol.iterator](): Iterator<Item> {
    return this.data[Symbol.iterator]()
  }
}

/**
 * A promise of a {@link Page} that is itself async iterable over the items, as
 * openai-node's `PagePromise`: `for await (const model of client.models.list())`.
 *
 * @since 0.1.0
 * @category models
 */
export type PagePromise<Item> = Promise<Page<Item>> & AsyncIterable<Item>

const pagePromise = <Item>(page: Promise<Page<Item>>): PagePromise<Item> =>
  Object.assign(page, {
    async *[Symbol.asyncIterator](): AsyncGenerator<Item> {
      yield* (await page).data
    }
  })

// ---------------------------------------------------------------------------------------
// The groups
// ---------------------------------------------------------------------------------------

/**
 * `client.responses`: `create` (collected, or streamed with `stream: true`), the
 * `stream` helper, `compact`.
 *
 * @since 0.1.0
 * @category resources
 */
export class ResponsesResource {
  /** @internal */
  constructor(private readonly engine: Engine, private readonly store?: ResponseStore.ResponseStore) {}

  /** Streams the reply: resolves (once connected) to an async iterable of events. */
  create(
    params: Responses.CreateParams & { readonly stream: true },
    options?: RequestOptions
  ): Promise<Stream<ResponseStreamEvent>>
  /** Collects the reply into a `Response` (`output_text` set). */
  create(
    params: Responses.CreateParams & { readonly stream?: false | undefined },
    options?: RequestOptions
  ): Promise<Response>
  create(params: Responses.CreateParams, options?: RequestOptions): Promise<Response | Stream<ResponseStreamEvent>>
  create(params: Responses.CreateParams, options?: RequestOptions): Promise<Response | Stream<ResponseStreamEvent>> {
    if (params.stream !== true) {
      return this.engine.run(Responses.Responses, (responses) => this.collected(responses, params), options)
    }
    const signal = options?.signal
    const open = (runtime: Runtime.Runtime<never>) =>
      Stream.open(
        runtime,
        streamWithPolicy(this.events(serviceOf(runtime, Responses.Responses), params), options),
        signal
      )
    const runtime = this.engine.current()
    return runtime instanceof Promise ? runtime.then(open) : open(runtime)
  }

  /**
   * openai-node's `responses.parse`: a collected `create` whose `text.format` of type
   * `json_schema` gives `output_parsed` (and `parsed` on each `output_text` part). A refusal
   * rejects with `ModelRefusal`, a reply that is not JSON or does not fit the schema with
   * `OutputMismatch`. A format with openai-node's `$parseRaw` (`zodTextFormat`) is parsed by it.
   */
  parse<T = unknown>(
    params: Responses.CreateParams & { readonly stream?: false | undefined },
    options?: RequestOptions
  ): Promise<Parse.ParsedResponse<T>> {
    return this.engine.run(
      Responses.Responses,
      (responses) =>
        Effect.zipRight(
          Parse.check(params),
          Effect.flatMap(this.collected(responses, params), (response) => Parse.parse<T>(params, response))
        ),
      options
    )
  }

  /** A collected `create`, through the `responseStore` when there is one. */
  private collected(responses: Responses.Service, params: Responses.CreateParams) {
    const store = this.store
    return store === undefined
      ? responses.create(params)
      : Effect.flatMap(
        ResponseStore.expand(store, params),
        ({ input, params }) =>
          Effect.tap(responses.create(params), (response) => ResponseStore.keep(store, input, response))
      )
  }

  /** openai-node's streaming helper: listeners, async iteration, `finalResponse()`, `abort()`. */
  stream(params: Responses.CreateParams, options?: RequestOptions): ResponseStream {
    const { stream: _, ...rest } = params
    return new ResponseStream(
      this.engine.current(),
      (runtime) => streamWithPolicy(this.events(serviceOf(runtime, Responses.Responses), rest), options),
      options?.signal
    )
  }

  /** The events of a streamed request, through the `responseStore` when there is one. */
  private events(responses: Responses.Service, params: Responses.CreateParams) {
    const store = this.store
    if (store === undefined) return responses.stream(params)
    return EffectStream.unwrap(
      Effect.map(
        ResponseStore.expand(store, params),
        ({ input, params }) => ResponseStore.keepStreamed(store, input, responses.stream(params))
      )
    )
  }

  /** Compacts a history into opaque compaction items. */
  compact(params: Responses.CompactParams, options?: RequestOptions): Promise<CompactedResponse> {
    return this.engine.run(Responses.Responses, (responses) => responses.compact(params), options)
  }
}

/**
 * `client.models`: the catalog (`list`, a page) and one model (`retrieve`).
 *
 * @since 0.1.0
 * @category resources
 */
export class ModelsResource {
  /** @internal */
  constructor(private readonly engine: Engine) {}

  /** The catalog: a page with `data`, async iterable (also directly on the returned promise). */
  list(options?: RequestOptions): PagePromise<Models.Model> {
    return pagePromise(
      this.engine.run(Models.Models, (models) => models.list(), options).then((list) => new Page(list.data))
    )
  }

  /** One model; rejects with `NotFound` (openai-node's `NotFoundError`) when there is none. */
  retrieve(id: string, options?: RequestOptions): Promise<Models.Model> {
    return this.engine.run(Models.Models, (models) => models.retrieve(id), options)
  }
}

/**
 * What `realtime.calls.create` resolves to: a fetch `Response`, as openai-node's (`await
 * answer.text()` is the SDP answer; `status`, `headers`, `ok`), that also carries the
 * answer as `sdp` and the call id (`rtc_…`) as `callId`.
 *
 * @since 0.1.0
 * @category models
 */
export type RealtimeAnswer = globalThis.Response & {
  readonly sdp: string
  readonly callId: string
}

const realtimeAnswer = (call: Realtime.RealtimeCall): RealtimeAnswer => {
  const headers = new Headers()
  for (const [name, value] of Object.entries(call.headers ?? { "content-type": "application/sdp" })) {
    if (!/^set-cookie2?$/i.test(name)) headers.set(name, value)
  }
  return Object.assign(new globalThis.Response(call.sdp, { status: call.status ?? 201, headers }), {
    sdp: call.sdp,
    callId: call.callId
  })
}

/**
 * `client.realtime`: WebRTC calls and the WebSocket URL and headers.
 *
 * @since 0.1.0
 * @category resources
 */
export class RealtimeResource {
  /** `client.realtime.calls.create({ sdp, session? })`. */
  readonly calls: {
    readonly create: (params: Realtime.CallCreateParams, options?: RequestOptions) => Promise<RealtimeAnswer>
  }

  /** @internal */
  constructor(private readonly engine: Engine) {
    this.calls = {
      create: (params, options) =>
        engine.run(Realtime.Realtime, (realtime) => Effect.map(realtime.calls.create(params), realtimeAnswer), options)
    }
  }

  /** `wss://…/v1/realtime?model=<model>`. */
  websocketUrl(params: { readonly model: string }, options?: RequestOptions): Promise<string> {
    return this.engine.run(Realtime.Realtime, (realtime) => realtime.websocketUrl(params), options)
  }

  /**
   * The WebSocket handshake headers, in the clear (they hold the API key: pass them to
   * the WebSocket and nowhere else).
   */
  websocketHeaders(
    params?: Realtime.WebsocketHeadersParams,
    options?: RequestOptions
  ): Promise<Readonly<Record<string, string>>> {
    return this.engine.run(
      Realtime.Realtime,
      (realtime) => Effect.map(realtime.websocketHeaders(params), Redacted.value),
      options
    )
  }
}

/**
 * `client.embeddings.create(...)`.
 *
 * @since 0.1.0
 * @category resources
 */
export class EmbeddingsResource {
  /** @internal */
  constructor(private readonly engine: Engine) {}

  /** Vectors as base64 strings. */
  create(
    params: Embeddings.CreateParams & { readonly encoding_format: "base64" },
    options?: RequestOptions
  ): Promise<Embeddings.CreateEmbeddingResponse<string>>
  /** Vectors as numbers. */
  create(params: Embeddings.CreateParams, options?: RequestOptions): Promise<Embeddings.CreateEmbeddingResponse>
  create(
    params: Embeddings.CreateParams,
    options?: RequestOptions
  ): Promise<Embeddings.CreateEmbeddingResponse | Embeddings.CreateEmbeddingResponse<string>> {
    return this.engine.run(Embeddings.Embeddings, (embeddings) => embeddings.create(params), options)
  }
}

/**
 * `client.audio.transcriptions`.
 *
 * @since 0.1.0
 * @category resources
 */
export class TranscriptionsResource {
  /** @internal */
  constructor(private readonly engine: Engine) {}

  /** The plain text. */
  create(
    params: TranscriptionCreateParams & { readonly response_format: "text" },
    options?: RequestOptions
  ): Promise<string>
  /** `{ text, ... }`. */
  create(params: TranscriptionCreateParams, options?: RequestOptions): Promise<Audio.Transcription>
  create(params: TranscriptionCreateParams, options?: RequestOptions): Promise<Audio.Transcription | string> {
    return this.engine.run(
      Audio.Audio,
      (audio): Effect.Effect<Audio.Transcription | string, CodexError.CodexError> =>
        Effect.flatMap(
          Effect.tryPromise({
            try: () => Files.toUploadable(params.file),
            catch: (error) =>
              new CodexError.InvalidParameter({
                parameter: "file",
                detail: error instanceof Files.FileInputError
                  ? error.message
                  : `could not be read: ${error instanceof Error ? error.message : String(error)}`
              })
          }),
          (file) => audio.transcriptions.create({ ...params, file })
        ),
      options
    )
  }
}

/**
 * `client.audio`.
 *
 * @since 0.1.0
 * @category resources
 */
export class AudioResource {
  readonly transcriptions: TranscriptionsResource
  /** @internal */
  constructor(engine: Engine) {
    this.transcriptions = new TranscriptionsResource(engine)
  }
}

/**
 * `client.codex`: usage, cloud tasks, environments, memories, custom instructions.
 *
 * @since 0.1.0
 * @category resources
 */
export class CodexResource {
  readonly tasks: {
    readonly list: (params?: CodexAccount.TaskListParams, options?: RequestOptions) => Promise<CodexAccount.JsonObject>
    readonly retrieve: (taskId: string, options?: RequestOptions) => Promise<CodexAccount.JsonObject>
    readonly turns: {
      readonly list: (taskId: string, options?: RequestOptions) => Promise<CodexAccount.JsonObject>
      readonly siblingTurns: (
        taskId: string,
        turnId: string,
        options?: RequestOptions
      ) => Promise<CodexAccount.JsonObject>
    }
  }
  readonly environments: {
    readonly list: (options?: RequestOptions) => Promise<ReadonlyArray<CodexAccount.JsonObject>>
  }
  readonly memories: {
    readonly list: (options?: RequestOptions) => Promise<CodexAccount.JsonObject>
  }
  readonly userSystemMessages: {
    readonly retrieve: (options?: RequestOptions) => Promise<CodexAccount.JsonObject>
  }

  /** @internal */
  constructor(private readonly engine: Engine) {
    const tag = CodexAccount.CodexAccount
    this.tasks = {
      list: (params, options) => engine.run(tag, (codex) => codex.tasks.list(params), options),
      retrieve: (taskId, options) => engine.run(tag, (codex) => codex.tasks.retrieve(taskId), options),
      turns: {
        list: (taskId, options) => engine.run(tag, (codex) => codex.tasks.turns.list(taskId), options),
        siblingTurns: (taskId, turnId, options) =>
          engine.run(tag, (codex) => codex.tasks.turns.siblingTurns(taskId, turnId), options)
      }
    }
    this.environments = { list: (options) => engine.run(tag, (codex) => codex.environments.list(), options) }
    this.memories = { list: (options) => engine.run(tag, (codex) => codex.memories.list(), options) }
    this.userSystemMessages = {
      retrieve: (options) => engine.run(tag, (codex) => codex.userSystemMessages.retrieve(), options)
    }
  }

  /** `GET /wham/usage`: plan, usage windows, credits. */
  usage(options?: RequestOptions): Promise<CodexAccount.Usage> {
    return this.engine.run(CodexAccount.CodexAccount, (codex) => codex.usage(), options)
  }
}

// ---------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------

/**
 * The options of `authenticate`.
 *
 * @since 0.1.0
 * @category models
 */
export interface AuthenticateOptions {
  /**
   * What to do when `auth.json` holds no usable credentials: run the browser login
   * (PKCE, callback on `127.0.0.1:1455`), the device-code login, or reject with
   * `AuthExpired` (`false`). Default: `"browser"` in a terminal, `false` otherwise.
   */
  readonly login?: "browser" | "device" | false | undefined
  /** Receives the browser login's URL (it is also opened in the system browser). */
  readonly onUrl?: ((url: string) => void) | undefined
  /** Receives the device login's code and where to enter it (default: printed to stderr). */
  readonly onCode?: ((code: OAuth.DeviceCode) => void) | undefined
  /**
   * Obtain a Platform API key too (the Python SDK's `request_api_key`; stored as
   * `OPENAI_API_KEY`, used by `realtime.websocketHeaders`): after a browser or device
   * login, and for a login already stored that has none. Default: `true` for the browser
   * login (as the Codex CLI does), `false` otherwise. An account without a Platform
   * organisation gets no key; that is not an error.
   */
  readonly requestApiKey?: boolean | undefined
}

const defaultLogin = ():
  | "browser"
  | false => (process.stdin.isTTY === true && process.stdout.isTTY === true ? "browser" : false)

/**
 * The Promise client in openai-node's shape. `new OpenAI()` reads the configuration
 * from the environment like `CodexClient.layer`; `authenticate()` loads (or obtains)
 * the ChatGPT login; every group answers in openai-node's casing. Close it with
 * `close()` (or `await using`); a process that never does still exits.
 *
 * @example
 * ```ts
 * import { CodexOpenAI, RateLimitError } from "codex-backend-sdk/OpenAI"
 *
 * const client = await new CodexOpenAI().authenticate({ login: "device" })
 * try {
 *   const stream = client.responses.stream({ input: "Write a haiku." })
 *   stream.on("response.output_text.delta", (event) => process.stdout.write(event.delta))
 *   const response = await stream.finalResponse()
 *   console.log(response.usage?.total_tokens)
 * } catch (error) {
 *   if (error instanceof RateLimitError) console.error(`Try again at ${error.resetsAt?.toLocaleString()}`)
 *   else throw error
 * }
 * ```
 *
 * @since 0.1.0
 * @category client
 */
export class OpenAI implements AsyncDisposable {
  static readonly OpenAIError = Errors.OpenAIError
  static readonly APIError = Errors.APIError
  static readonly BadRequestError = Errors.BadRequestError
  static readonly AuthenticationError = Errors.AuthenticationError
  static readonly PermissionDeniedError = Errors.PermissionDeniedError
  static readonly NotFoundError = Errors.NotFoundError
  static readonly ConflictError = Errors.ConflictError
  static readonly UnprocessableEntityError = Errors.UnprocessableEntityError
  static readonly RateLimitError = Errors.RateLimitError
  static readonly InternalServerError = Errors.InternalServerError
  static readonly APIConnectionError = Errors.APIConnectionError
  static readonly APIConnectionTimeoutError = Errors.APIConnectionTimeoutError
  static readonly APIUserAbortError = Errors.APIUserAbortError
  /** openai-node's `toFile` (also a module export). */
  static readonly toFile = Files.toFile

  readonly responses: ResponsesResource
  readonly models: ModelsResource
  readonly realtime: RealtimeResource
  readonly embeddings: EmbeddingsResource
  readonly audio: AudioResource
  readonly codex: CodexResource
  /** Stateful conversations (`Conversation`), kept in this client's memory. */
  readonly conversations: ConversationsResource
  private readonly engine: Engine

  constructor(options: ClientOptions = {}) {
    const {
      accountId,
      apiKey,
      baseURL,
      defaultHeaders,
      fetch,
      layer,
      logLevel,
      logger,
      maxRetries,
      responseStore,
      timeout,
      ...config
    } = options
    Options.check(options, layer !== undefined)
    const node = { accountId, apiKey, baseURL, defaultHeaders, fetch, logLevel, logger, maxRetries, timeout }
    this.engine = new Engine(() => layer ?? Options.layer(node, config))
    this.responses = new ResponsesResource(
      this.engine,
      responseStore === undefined ? undefined : ResponseStore.make(responseStore)
    )
    this.models = new ModelsResource(this.engine)
    this.realtime = new RealtimeResource(this.engine)
    this.embeddings = new EmbeddingsResource(this.engine)
    this.audio = new AudioResource(this.engine)
    this.codex = new CodexResource(this.engine)
    const engine = this.engine
    this.conversations = new ConversationsResource({
      run: (effect, options) => engine.run(Responses.Responses, () => effect, options),
      open: (stream, signal) =>
        Promise.resolve(engine.current()).then((runtime) => Stream.open(runtime, stream, signal))
    })
  }

  /**
   * Loads the credentials (`$CODEX_HOME/auth.json`, refreshed when stale) and resolves to
   * this client. Without usable credentials it runs the chosen login, or rejects with
   * `AuthExpired` (`login: false`, the default outside a terminal). Over a stack without
   * `CodexAuth` it resolves at once.
   */
  async authenticate(options: AuthenticateOptions = {}): Promise<this> {
    const login = options.login === undefined ? defaultLogin() : options.login
    const runtime = await this.engine.runtime()
    const program = Effect.gen(function*() {
      const auth = yield* Effect.serviceOption(CodexAuth.CodexAuth)
      if (Option.isNone(auth)) return
      const store = yield* Effect.serviceOption(TokenStore.TokenStore)
      const config = yield* Effect.serviceOption(CodexConfig.CodexConfig)
      const http = yield* Effect.serviceOption(HttpClient.HttpClient)
      const withStore = <A, E>(
        effect: Effect.Effect<A, E, TokenStore.TokenStore | CodexConfig.CodexConfig | HttpClient.HttpClient>
      ) =>
        Option.isNone(store) || Option.isNone(config) || Option.isNone(http) ? Effect.succeedNone : effect.pipe(
          Effect.provideService(TokenStore.TokenStore, store.value),
          Effect.provideService(CodexConfig.CodexConfig, config.value),
          Effect.provideService(HttpClient.HttpClient, http.value),
          Effect.asSome
        )
      const first = yield* Effect.either(auth.value.credentials)
      if (Either.isLeft(first)) {
        const error = first.left
        if (error._tag !== "AuthExpired" || login === false) return yield* Effect.fail(error)
        const { onCode, onUrl, requestApiKey } = options
        const apiKey = requestApiKey === undefined ? {} : { requestApiKey }
        const signIn = login === "device"
          ? OAuth.loginDevice({
            ...apiKey,
            ...(onCode === undefined ? {} : { onCode: (code) => Effect.sync(() => onCode(code)) })
          })
          : OAuth.login({
            ...apiKey,
            ...(onUrl === undefined ? {} : { onUrl: (url) => Effect.sync(() => onUrl(url)) })
          })
        if (Option.isNone(yield* withStore(signIn))) return yield* Effect.fail(error)
        yield* auth.value.credentials
      }
      if (options.requestApiKey === true) yield* withStore(OAuth.requestApiKey)
    })
    settle(await Runtime.runPromiseExit(runtime)(program))
    return this
  }

  /** Releases the runtime (connections, the services' scopes). Later calls reject. */
  close(): Promise<void> {
    return this.engine.close()
  }

  /** `await using client = new OpenAI()` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }
}

/**
 * The same class under a name that does not shadow openai-node's `OpenAI`.
 *
 * @since 0.1.0
 * @category client
 */
export const CodexOpenAI = OpenAI

/**
 * @since 0.1.0
 * @category client
 */
export type CodexOpenAI = OpenAI

/**
 * The client as the module's default export, as openai-node's: `import OpenAI from "codex-backend-sdk/OpenAI"`.
 *
 * @since 0.1.0
 * @category client
 */
export default OpenAI
