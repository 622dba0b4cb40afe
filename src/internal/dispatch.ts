/**
 * One request over the `CodexTransport`, as an Effect: the check of its header values, the
 * headers timeout, and the capped reading of a whole body. Every HTTP request the SDK makes goes through here: the backend
 * calls (`http.ts`), the WebSocket handshake's refusals, and the OAuth issuer's endpoints
 * (`tokenEndpoint.ts`), so a transport, a proxy or a test double applies to all of them.
 *
 * @internal
 */
import { Duration, Effect } from "effect"
import { InvalidParameter, StreamInterrupted, Timeout, TransportError } from "../CodexError.js"
import type { Reply, Request, Service as Transport } from "../CodexTransport.js"
import { replyMeta } from "./errors.js"
import { isHeaderSafe } from "./headerValue.js"
import { safeCause } from "./safeCause.js"
import { Watchdog } from "./watchdog.js"
import type { CappedText } from "./wire.js"

/**
 * A reply as the backend hands it on: its head, its body (not read yet) and the request's
 * timer, which the reader re-arms for the idle timeout.
 *
 * @internal
 */
export class BackendReply {
  constructor(
    readonly reply: Reply,
    readonly watchdog: Watchdog,
    /** The request it answered, e.g. `POST /responses`: every error read from it names it. */
    readonly endpoint: string
  ) {}
  get status(): number {
    return this.reply.status
  }
  get headers(): Readonly<Record<string, string>> {
    return this.reply.headers
  }
}

/**
 * The `InvalidParameter` for the first header whose value could not be sent as is (CR, LF,
 * NUL or a character outside Latin-1), or `undefined`: bad input, not a transport failure
 * to retry. One regular-expression test per header.
 *
 * @internal
 */
export const unsafeHeader = (headers: Readonly<Record<string, string | undefined>>): InvalidParameter | undefined => {
  for (const name in headers) {
    const value = headers[name]
    if (value !== undefined && !isHeaderSafe(value)) {
      return new InvalidParameter({
        parameter: name === "authorization" ? "access token" : name,
        detail: `the value of the "${name}" header contains CR, LF, NUL or characters outside Latin-1`
      })
    }
  }
  return undefined
}

/**
 * Sends `request` and waits for the head of its reply, at most `timeout` (`Timeout {
 * phase: "headers" }`); a request that could not be sent or answered is `TransportError`.
 * A header value that cannot travel as is fails first, with nothing sent
 * (`InvalidParameter`, see {@link unsafeHeader}).
 * One `Effect.async` and one timer: the timer is handed on with the reply, and the reader
 * re-arms it for the idle timeout. Interrupting aborts the request.
 *
 * @internal
 */
export const dispatch = (
  transport: Transport,
  request: Request,
  endpoint: string,
  timeout: Duration.Duration
): Effect.Effect<BackendReply, InvalidParameter | Timeout | TransportError> => {
  const unsafe = unsafeHeader(request.headers)
  if (unsafe !== undefined) return Effect.fail(unsafe)
  const millis = Duration.toMillis(timeout)
  return Effect.clockWith((clock) =>
    Effect.async<BackendReply, Timeout | TransportError>((resume) => {
      const watchdog = new Watchdog(clock)
      let cancel: (() => void) | undefined = undefined
      watchdog.arm(millis, () => {
        if (cancel !== undefined) cancel()
        resume(Effect.fail(new Timeout({ phase: "headers", endpoint, after: timeout })))
      })
      cancel = transport.send(
        request,
        (reply: Reply) => {
          // Until a reader takes the body over (and re-arms or clears the timer), the
          // reply must be picked up within the same timeout: a caller interrupted in
          // between would otherwise leave the connection open.
          watchdog.arm(millis, () => reply.abort())
          resume(Effect.succeed(new BackendReply(reply, watchdog, endpoint)))
        },
        (cause) => {
          watchdog.clear()
          resume(Effect.fail(new TransportError({ endpoint, cause: safeCause(cause) })))
        }
      )
      return Effect.sync(() => {
        watchdog.clear()
        if (cancel !== undefined) cancel()
      })
    })
  )
}

/**
 * Reads a reply body up to `maxBytes`, then stops (the rest is never buffered). The one
 * way this SDK reads a whole body: error bodies with {@link maxErrorBodyBytes}, JSON
 * replies with `config.maxEventBytes` (see {@link readBody}).
 *
 * @internal
 */
export const readText = (response: BackendReply, maxBytes: number): Effect.Effect<CappedText, StreamInterrupted> =>
  Effect.async<CappedText, StreamInterrupted>((resume) => {
    const { reply, watchdog } = response
    const chunks: Array<Uint8Array> = []
    let size = 0
    const done = (truncated: boolean) =>
      resume(Effect.succeed({ text: Buffer.concat(chunks, Math.min(size, maxBytes)).toString("utf8"), truncated }))
    watchdog.clear()
    reply.read({
      onData: (chunk) => {
        chunks.push(chunk)
        size += chunk.length
        if (size <= maxBytes) return true
        reply.abort()
        done(true)
        return false
      },
      onEnd: () => done(false),
      onError: (cause) =>
        resume(
          Effect.fail(
            new StreamInterrupted({
              eventsReceived: 0,
              cause: safeCause(cause),
              ...replyMeta(response)
            })
          )
        )
    })
    return Effect.sync(() => reply.abort())
  })
