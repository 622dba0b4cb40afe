/**
 * openai-node's `Stream` for the Promise client: an Effect stream opened on the client's
 * runtime, read chunk by chunk as an async iterable, with the `AbortController` that owns
 * its HTTP request, and `tee()`.
 *
 * @since 0.1.0
 */
import type { Fiber } from "effect"
import { Cause, Chunk, Effect, Exit, Option, Runtime, Scope, Stream as EffectStream } from "effect"
import { APIUserAbortError } from "./errors.js"
import { awaitFiber, toRejection } from "./runtime.js"

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
