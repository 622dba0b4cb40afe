/**
 * Reads the events of a 2xx `/responses` reply: decoded, checked, cut after the terminal
 * event, and ended with that event's typed error, or with `StreamInterrupted` (closed
 * before a terminal event) or `Timeout` (no byte for the idle timeout while waiting).
 *
 * One synchronous core (`EventFeed`) and one loop over the body (`drain`), with one idle
 * watchdog per read instead of a timer per network chunk. `Responses.create` folds the
 * events as they come; `Responses.stream` (`stream` below) hands them to its consumer with
 * backpressure, and the time a slow consumer holds the loop back never counts as network
 * idleness.
 *
 * @internal
 */
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Chunk, Clock, Duration, Effect, Option, Queue, Stream, Take } from "effect"
import type { CodexError } from "../CodexError.js"
import { DecodeError, StreamInterrupted, Timeout } from "../CodexError.js"
import { outputText } from "../Response.js"
import type { ResponseStreamEvent } from "../ResponseStreamEvent.js"
import { isTerminal } from "../ResponseStreamEvent.js"
import { fromTerminalEvent, replyMeta } from "./errors.js"
import { EventDecoder } from "./events.js"
import { safeCause } from "./json.js"

/** @internal */
export interface ReadOptions {
  readonly endpoint: string
  readonly idleTimeout: Duration.Duration
  /** Called with every `codex.rate_limits` event as it is decoded. */
  readonly onRateLimits?: ((event: Readonly<Record<string, unknown>>) => void) | undefined
  /** The cap on one SSE line or event (`CodexConfig.maxEventBytes`); none when absent. */
  readonly maxEventBytes?: number | undefined
}

/** The decoder plus what the stream has shown so far. */
class EventFeed {
  readonly decoder: EventDecoder
  readonly meta: ReturnType<typeof replyMeta>
  terminal: ResponseStreamEvent | undefined = undefined
  ended = false
  responseId: string | undefined = undefined

  constructor(response: HttpClientResponse.HttpClientResponse, readonly options: ReadOptions) {
    this.decoder = new EventDecoder(options.maxEventBytes)
    this.meta = replyMeta(response.status, response.headers)
  }

  get done(): boolean {
    return this.terminal !== undefined || this.ended
  }

  interrupted(cause?: unknown): StreamInterrupted {
    return new StreamInterrupted({
      eventsReceived: this.decoder.count,
      ...(this.responseId === undefined ? {} : { responseId: this.responseId }),
      ...(cause === undefined ? {} : { cause: safeCause(cause) }),
      ...this.meta
    })
  }

  timeout(): Timeout {
    return new Timeout({ phase: "idle", endpoint: this.options.endpoint, after: this.options.idleTimeout })
  }

  /** Notes the response id and the terminal event; drops anything after the terminal. */
  private note(events: Array<ResponseStreamEvent>): Array<ResponseStreamEvent> {
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as ResponseStreamEvent
      if (this.responseId === undefined && event.type === "response.created") this.responseId = event.response.id
      if (event.type === "codex.rate_limits" && this.options.onRateLimits !== undefined) this.options.onRateLimits(event)
      if (isTerminal(event)) {
        this.terminal = event
        return i === events.length - 1 ? events : events.slice(0, i + 1)
      }
    }
    return events
  }

  /** Decodes a chunk of the body. Throws `DecodeError` (with the reply's ids) on a malformed known event. */
  push(chunk: Chunk.Chunk<Uint8Array> | Uint8Array): Array<ResponseStreamEvent> {
    try {
      if (chunk instanceof Uint8Array) return this.note(this.decoder.push(chunk))
      if (chunk.length === 1) return this.note(this.decoder.push(Chunk.unsafeHead(chunk)))
      const events: Array<ResponseStreamEvent> = []
      for (const bytes of chunk) for (const event of this.decoder.push(bytes)) events.push(event)
      return this.note(events)
    } catch (error) {
      throw error instanceof DecodeError ? new DecodeError({ ...error, ...this.meta }) : this.interrupted(error)
    }
  }

  /** The body ended: the events a pending line completes. */
  end(): Array<ResponseStreamEvent> {
    this.ended = true
    try {
      return this.note(this.decoder.end())
    } catch (error) {
      throw error instanceof DecodeError ? new DecodeError({ ...error, ...this.meta }) : this.interrupted(error)
    }
  }

  /** After the stream: nothing for `response.completed`, else the typed error. */
  readonly outcome: Effect.Effect<void, CodexError> = Effect.suspend(() =>
    Effect.gen(this, function*() {
      const decoder = this.decoder
      if (decoder.skipped > 0) {
        const skipped = decoder.skipped
        decoder.skipped = 0
        yield* Effect.logWarning(
          `${this.options.endpoint}: skipped ${skipped} SSE frame(s) that were not JSON event objects; the first began ${
            JSON.stringify(decoder.firstSkipped)
          }`
        )
      }
      const end = this.terminal
      if (end === undefined) return yield* this.interrupted()
      if (end.type === "response.completed") return
      const snapshot = end.type === "response.failed" || end.type === "response.incomplete" ? end.response : undefined
      const partial = snapshot === undefined
        ? undefined
        : { ...snapshot, output: snapshot.output ?? [], output_text: outputText(snapshot.output ?? []) }
      const error = fromTerminalEvent(end, partial, yield* Clock.currentTimeMillis)
      if (error !== undefined) return yield* error
    })
  )
}

/** The answers of the read loop's callback: allocated once, not per network chunk. */
const proceed = Effect.succeed(true)
const stop = Effect.succeed(false)

/** `EventFeed` throws only typed errors; anything else is the stream breaking. */
const caught = (feed: EventFeed) => (error: unknown): CodexError =>
  error instanceof DecodeError || error instanceof StreamInterrupted ? error : feed.interrupted(error)

/**
 * Reads the whole body, handing each chunk's events to `onEvents`, and ends with the
 * stream's outcome. `onEvents` may return an effect (a consumer applying backpressure):
 * time spent in it never counts as network idleness.
 *
 * @internal
 */
export const drain = (
  response: HttpClientResponse.HttpClientResponse,
  options: ReadOptions,
  onEvents: (events: Array<ResponseStreamEvent>) => void | Effect.Effect<void>
): Effect.Effect<void, CodexError> =>
  Effect.flatMap(Effect.clock, (clock) => {
    const feed = new EventFeed(response, options)
    const idleMillis = Math.max(1, Duration.toMillis(options.idleTimeout))
    let lastActivity = clock.unsafeCurrentTimeMillis()
    let blocked = false
    const unblock = Effect.sync(() => {
      blocked = false
      lastActivity = clock.unsafeCurrentTimeMillis()
    })
    /** Decodes one network chunk and hands its events on; `true` to read on. */
    const step = (chunk: Chunk.Chunk<Uint8Array>): Effect.Effect<boolean, CodexError> => {
      lastActivity = clock.unsafeCurrentTimeMillis()
      let events: Array<ResponseStreamEvent>
      try {
        events = feed.push(chunk)
      } catch (error) {
        return Effect.fail(caught(feed)(error))
      }
      const more = feed.terminal === undefined ? proceed : stop
      const pending = events.length === 0 ? undefined : onEvents(events)
      if (pending === undefined) return more
      blocked = true
      return pending.pipe(Effect.zipRight(unblock), Effect.zipRight(more))
    }
    const finish: Effect.Effect<void, CodexError> = Effect.suspend(() => {
      if (feed.terminal !== undefined) return Effect.void
      try {
        const pending = onEvents(feed.end())
        return pending === undefined ? Effect.void : pending
      } catch (error) {
        return Effect.fail(caught(feed)(error))
      }
    })
    // A pull loop over the body: cheaper to set up than `Stream.runForEach*`, which
    // matters on small replies.
    const read = Effect.scoped(Effect.flatMap(Stream.toPull(response.stream), (pull) => {
      const loop: Effect.Effect<void, CodexError> = Effect.matchEffect(pull, {
        onFailure: (error) => (Option.isNone(error) ? finish : Effect.fail(caught(feed)(error.value))),
        onSuccess: (chunk) => Effect.flatMap(step(chunk), (more) => (more ? loop : Effect.void))
      })
      return loop
    }))
    const watchdog: Effect.Effect<never, Timeout> = Effect.suspend(() => {
      const idle = blocked ? 0 : clock.unsafeCurrentTimeMillis() - lastActivity
      return idle >= idleMillis ? Effect.fail(feed.timeout()) : Effect.zipRight(Effect.sleep(idleMillis - idle), watchdog)
    })
    return Effect.zipRight(Effect.raceFirst(read, watchdog), feed.outcome)
  })

/**
 * The events of a reply as a `Stream`: `drain` runs in a fiber of the stream's scope and
 * hands chunks over through a bounded queue (backpressure: a slow consumer stops the
 * reads); closing the stream interrupts the fiber, which aborts the request.
 *
 * @internal
 */
export const stream = (
  response: HttpClientResponse.HttpClientResponse,
  options: ReadOptions
): Stream.Stream<ResponseStreamEvent, CodexError> =>
  Stream.unwrapScoped(
    Effect.gen(function*() {
      const queue = yield* Effect.acquireRelease(Queue.bounded<Take.Take<ResponseStreamEvent, CodexError>>(16), Queue.shutdown)
      yield* drain(response, options, (events) => Queue.offer(queue, Take.chunk(Chunk.unsafeFromArray(events)))).pipe(
        Effect.matchEffect({
          onFailure: (error) => Queue.offer(queue, Take.fail(error)),
          onSuccess: () => Queue.offer(queue, Take.end)
        }),
        Effect.forkScoped
      )
      return Stream.flattenTake(Stream.fromQueue(queue))
    })
  )
