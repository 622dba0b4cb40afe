/**
 * Reads the events of a 2xx `/responses` reply: decoded, checked, cut after the terminal
 * event, and ended with that event's typed error, or with `StreamInterrupted` (closed
 * before a terminal event) or `Timeout` (no byte for the idle timeout while waiting).
 *
 * One synchronous core (`EventFeed`) fed straight from the transport's body callbacks,
 * and the request's one timer (`Watchdog`) re-armed per chunk for the idle timeout.
 * `Responses.create` folds the whole body inside one `Effect.async` (`drain`);
 * `Responses.stream` (`stream` below) is one `Effect.async` per network chunk that carries
 * events, with the connection paused in between (backpressure: the time a slow consumer
 * holds the stream never counts as network idleness). After the terminal event the rest of
 * the body is read and dropped, so the connection is kept and no error is made on the
 * success path.
 *
 * @internal
 */
import { Chunk, Clock, Duration, Effect, Option, Stream } from "effect"
import type { CodexError } from "../CodexError.js"
import { DecodeError, StreamInterrupted, Timeout } from "../CodexError.js"
import type { BodySink } from "../CodexTransport.js"
import { outputText } from "../Response.js"
import type { ResponseStreamEvent } from "../ResponseStreamEvent.js"
import { isTerminal } from "../ResponseStreamEvent.js"
import type { BackendReply } from "./dispatch.js"
import { fromTerminalEvent, replyMeta } from "./errors.js"
import { EventDecoder } from "./events.js"
import { safeCause } from "./safeCause.js"

/** @internal */
export interface ReadOptions {
  readonly endpoint: string
  readonly idleTimeout: Duration.Duration
  /** Called with every `codex.rate_limits` event as it is decoded. */
  readonly onRateLimits?: ((event: Readonly<Record<string, unknown>>) => void) | undefined
  /** The cap on one SSE line or event (`CodexConfig.maxEventBytes`); none when absent. */
  readonly maxEventBytes?: number | undefined
}

/** The decoder plus what the stream has shown so far. @internal */
export class EventFeed {
  readonly decoder: EventDecoder
  readonly meta: ReturnType<typeof replyMeta>
  terminal: ResponseStreamEvent | undefined = undefined
  ended = false
  responseId: string | undefined = undefined

  constructor(
    response: Parameters<typeof replyMeta>[0],
    readonly options: ReadOptions
  ) {
    this.decoder = new EventDecoder(options.maxEventBytes)
    this.meta = replyMeta(response)
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
      if (event.type === "codex.rate_limits" && this.options.onRateLimits !== undefined) {
        this.options.onRateLimits(event)
      }
      if (isTerminal(event)) {
        this.terminal = event
        return i === events.length - 1 ? events : events.slice(0, i + 1)
      }
    }
    return events
  }

  /** Decodes a chunk of the body. Throws `DecodeError` (with the reply's ids) on a malformed known event. */
  push(chunk: Uint8Array): Array<ResponseStreamEvent> {
    try {
      return this.note(this.decoder.push(chunk))
    } catch (error) {
      throw error instanceof DecodeError ? new DecodeError({ ...error, ...this.meta }) : this.interrupted(error)
    }
  }

  /** One WebSocket message (§13). Throws `DecodeError` (with the handshake's ids) when it is not a JSON event. */
  message(data: string): Array<ResponseStreamEvent> {
    try {
      return this.note(this.decoder.message(data))
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

/** `EventFeed` throws only typed errors; anything else is the stream breaking. */
const caught = (feed: EventFeed) => (error: unknown): CodexError =>
  error instanceof DecodeError || error instanceof StreamInterrupted ? error : feed.interrupted(error)

/** How much is read (and dropped) after the terminal event before the connection is closed instead. */
const maxTrailingBytes = 64 * 1024

/**
 * After the terminal event: reads the rest of the body and drops it (the connection goes
 * back to the pool, and no error is made), up to {@link maxTrailingBytes} or one idle
 * timeout, after which the connection is closed.
 */
const trailing = (response: BackendReply, idleMillis: number): BodySink => {
  let size = 0
  const { reply, watchdog } = response
  const close = () => {
    watchdog.clear()
    reply.abort()
  }
  watchdog.arm(idleMillis, close)
  return {
    onData: (chunk) => {
      size += chunk.length
      if (size > maxTrailingBytes) close()
      return true
    },
    onEnd: () => watchdog.clear(),
    onError: () => watchdog.clear()
  }
}

/**
 * Reads the whole body inside one `Effect.async`, handing each chunk's events to
 * `onEvents` (synchronously), and ends with the stream's outcome.
 *
 * @internal
 */
export const drain = (
  response: BackendReply,
  options: ReadOptions,
  onEvents: (events: Array<ResponseStreamEvent>) => void
): Effect.Effect<void, CodexError> =>
  Effect.async<void, CodexError>((resume) => {
    const feed = new EventFeed(response, options)
    const { reply, watchdog } = response
    const idleMillis = Math.max(1, Duration.toMillis(options.idleTimeout))
    let finished = false
    const fail = (error: CodexError) => {
      if (finished) return
      finished = true
      watchdog.clear()
      reply.abort()
      resume(Effect.fail(error))
    }
    const onIdle = () => fail(feed.timeout())
    let sink: BodySink = {
      onData: (chunk) => {
        watchdog.arm(idleMillis, onIdle)
        let events: Array<ResponseStreamEvent>
        try {
          events = feed.push(chunk)
          if (events.length > 0) onEvents(events)
        } catch (error) {
          fail(caught(feed)(error))
          return false
        }
        if (feed.terminal !== undefined) {
          finished = true
          sink = trailing(response, idleMillis)
          reply.read(sink)
          resume(feed.outcome)
        }
        return true
      },
      onEnd: () => {
        if (finished) return
        watchdog.clear()
        try {
          const events = feed.end()
          if (events.length > 0) onEvents(events)
        } catch (error) {
          return fail(caught(feed)(error))
        }
        finished = true
        resume(feed.outcome)
      },
      onError: (cause) => fail(feed.interrupted(cause))
    }
    watchdog.arm(idleMillis, onIdle)
    reply.read(sink)
    return Effect.sync(() => {
      watchdog.clear()
      reply.abort()
    })
  })

/** The end of the events: the outcome as a pull's failure (`None` for a completed response). */
const endOf = (feed: EventFeed): Effect.Effect<never, Option.Option<CodexError>> =>
  Effect.matchEffect(feed.outcome, {
    onFailure: (error) => Effect.fail(Option.some(error)),
    onSuccess: () => Effect.fail(Option.none())
  })

/**
 * The events of a reply as a `Stream`: one `Effect.async` per network chunk that carries
 * events, emitting them as one `Chunk`; the connection is paused between pulls
 * (backpressure). Closing the stream before its end aborts the request.
 *
 * @internal
 */
export const stream = (
  response: BackendReply,
  options: ReadOptions
): Stream.Stream<ResponseStreamEvent, CodexError> => {
  // Called once per reply (inside the effect that opened it): the state is built here,
  // with no `Stream.suspend` layer.
  const feed = new EventFeed(response, options)
  const { reply, watchdog } = response
  const idleMillis = Math.max(1, Duration.toMillis(options.idleTimeout))
  type Pull = Effect.Effect<Chunk.Chunk<ResponseStreamEvent>, Option.Option<CodexError>>
  /** The waiting pull's callback, or the answer kept for the next pull. */
  let waiting: ((answer: Pull) => void) | undefined = undefined
  let ready: Pull | undefined = undefined
  /** No more events: the terminal one was emitted, the body ended or broke. */
  let over = false
  let draining = false
  const answer = (pull: Pull) => {
    const callback = waiting
    waiting = undefined
    if (callback === undefined) ready = pull
    else callback(pull)
  }
  const fail = (error: CodexError) => {
    over = true
    watchdog.clear()
    reply.abort()
    answer(Effect.fail(Option.some(error)))
  }
  const onIdle = () => fail(feed.timeout())
  const sink: BodySink = {
    onData: (chunk) => {
      let events: Array<ResponseStreamEvent>
      try {
        events = feed.push(chunk)
      } catch (error) {
        fail(caught(feed)(error))
        return false
      }
      if (feed.terminal !== undefined) {
        over = true
        draining = true
        reply.read(trailing(response, idleMillis))
        answer(Effect.succeed(Chunk.unsafeFromArray(events)))
        return true
      }
      if (events.length === 0) {
        watchdog.arm(idleMillis, onIdle)
        return true
      }
      // Paused until the next pull: the consumer's time is not network idleness.
      watchdog.disarm()
      answer(Effect.succeed(Chunk.unsafeFromArray(events)))
      return false
    },
    onEnd: () => {
      if (over) return
      over = true
      watchdog.clear()
      let events: Array<ResponseStreamEvent>
      try {
        events = feed.end()
      } catch (error) {
        return answer(Effect.fail(Option.some(caught(feed)(error))))
      }
      answer(events.length > 0 ? Effect.succeed(Chunk.unsafeFromArray(events)) : endOf(feed))
    },
    onError: (cause) => {
      if (over) return
      fail(feed.interrupted(cause))
    }
  }
  const pull: Pull = Effect.async((resume) => {
    const kept = ready
    if (kept !== undefined) {
      ready = undefined
      return resume(kept)
    }
    if (over) return resume(endOf(feed))
    waiting = resume
    watchdog.arm(idleMillis, onIdle)
    reply.read(sink)
    return Effect.sync(() => {
      waiting = undefined
    })
  })
  return Stream.repeatEffectChunkOption(pull).pipe(
    Stream.ensuring(Effect.sync(() => {
      if (draining) return
      watchdog.clear()
      reply.abort()
    }))
  )
}
