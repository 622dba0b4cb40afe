/**
 * openai-node's `client.responses.stream(...)` helper for the Promise client: listeners by
 * event type (with `snapshot` on text and argument deltas), async iteration, and
 * `finalResponse()` folded by the SDK's `ResponseCollector`.
 *
 * @since 0.1.0
 */
import type { Chunk } from "effect"
import { Effect, Runtime, Stream as EffectStream } from "effect"
import type { Response } from "../../Response.js"
import * as ResponseCollector from "../../ResponseCollector.js"
import type { EventOf, ResponseStreamEvent } from "../../ResponseStreamEvent.js"
import { APIUserAbortError } from "./errors.js"
import { awaitFiber, settle } from "./runtime.js"

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
