/**
 * The WebSocket transport of `/responses` (protocol §13): connections kept per session
 * (`prompt_cache_key`, sent as `session_id`), one response at a time on each, reused
 * sequentially and closed after {@link idleConnectionMillis} unused or when the scope
 * closes.
 *
 * A request whose non-input fields equal the previous request's on the same connection,
 * and whose input extends that request's input plus its output, sends only the new items
 * with `previous_response_id` (an incremental turn); anything else sends the full
 * history. `previous_response_not_found` resends the full history on the same connection;
 * `websocket_connection_limit_reached` (the 60-minute limit) reconnects and resends it.
 *
 * The handshake takes the usual path's headers and its one 401 recovery; a refused
 * handshake or an `error` frame with a status maps like an HTTP reply (§6.2), its
 * embedded headers feeding `RateLimits`. A 426, or retryable failures that outlast the
 * retries before any event, make {@link FallBack}: the caller uses SSE for the rest of the
 * session.
 *
 * @internal
 */
import { Duration, Effect } from "effect"
import { randomUUID } from "node:crypto"
import type { Duplex } from "node:stream"
import type { Credentials } from "../CodexAuth.js"
import type { Service as Config } from "../CodexConfig.js"
import type { CodexError } from "../CodexError.js"
import { DecodeError, isRetryable, StreamInterrupted, Timeout, TransportError } from "../CodexError.js"
import type { BodySink, Reply, Service as Transport } from "../CodexTransport.js"
import type { Service as Models } from "../Models.js"
import type { ResponseStreamEvent } from "../ResponseStreamEvent.js"
import { BackendReply, unsafeHeader } from "./dispatch.js"
import type { ReadOptions } from "./eventReader.js"
import { EventFeed } from "./eventReader.js"
import type { Backend, Call } from "./http.js"
import { authHeaders } from "./http.js"
import { isRecord } from "./jsonGuards.js"
import * as ModelsEtag from "./modelsEtag.js"
import { retrySchedule, withRetries } from "./retry.js"
import { safeCause } from "./safeCause.js"
import { Watchdog } from "./watchdog.js"
import { acceptKey, closePayload, encodeFrame, FrameReader, newKey, Opcode, readClose } from "./websocketFrames.js"

type Json = Record<string, unknown>

/** How long an unused connection is kept for its session. @internal */
export const idleConnectionMillis = 5 * 60_000
/** The CLI's connect timeout. @internal */
export const connectTimeout = Duration.seconds(15)
/** The `OpenAI-Beta` value of the handshake. @internal */
export const betaHeader = "responses_websockets=2026-02-06"

const endpoint = "WebSocket /responses"

/**
 * The WebSocket cannot serve this session (a 426, a non-WebSocket answer, or failures
 * that outlasted the retries): use SSE for it from now on.
 *
 * @internal
 */
export class FallBack {
  constructor(readonly reason: string) {}
}

/** The last completed turn on a connection: what the next request must extend. */
interface Turn {
  readonly id: string
  /** The request without `input`, as JSON. */
  readonly fields: string
  readonly input: ReadonlyArray<unknown>
  readonly output: ReadonlyArray<unknown>
}

/** An `error` frame with a status (§13): an HTTP failure carried by the socket. */
class ErrorFrame {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly headers: Readonly<Record<string, string>>,
    readonly code: string | undefined
  ) {}
}

/** Deep equality of JSON values, key order ignored. */
const sameJson = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false
    return true
  }
  if (Array.isArray(b)) return false
  const left = a as Json
  const right = b as Json
  let count = 0
  for (const key in left) {
    if (left[key] === undefined) continue
    count++
    if (!sameJson(left[key], right[key])) return false
  }
  for (const key in right) if (right[key] !== undefined) count--
  return count === 0
}

/** An output item as a caller replays it in `input` (ids are stripped, §4.4). */
const asInput = (item: unknown): unknown => {
  if (!isRecord(item) || !("id" in item)) return item
  const { id: _id, ...rest } = item
  return rest
}

/** The fields a turn must repeat for the next to be incremental (a prewarm's `generate: false` aside). */
const fieldsOf = (body: Json): string => JSON.stringify({ ...body, input: undefined, generate: undefined })

/**
 * The new items of `body` after `turn`, or `undefined` when it does not extend it (then
 * the full history is sent).
 *
 * @internal
 */
export const newItems = (turn: Turn | undefined, body: Json): ReadonlyArray<unknown> | undefined => {
  const input = body["input"]
  if (turn === undefined || !Array.isArray(input)) return undefined
  const known = turn.input.length + turn.output.length
  // Nothing new is fine only after a prewarm (a turn with no output).
  if (input.length < known || (input.length === known && turn.output.length > 0) || fieldsOf(body) !== turn.fields) {
    return undefined
  }
  for (let i = 0; i < turn.input.length; i++) if (!sameJson(input[i], turn.input[i])) return undefined
  for (let j = 0; j < turn.output.length; j++) {
    if (!sameJson(input[turn.input.length + j], asInput(turn.output[j]))) return undefined
  }
  return input.slice(known)
}

/** Receives what the current response's messages bring. */
interface Handler {
  readonly onMessage: (text: string) => void
  readonly onClose: (cause: unknown) => void
}

/** One open WebSocket. */
class Connection {
  private readonly reader: FrameReader
  handler: Handler | undefined = undefined
  closed = false
  last: Turn | undefined = undefined
  idleTimer: ReturnType<typeof setTimeout> | undefined = undefined

  constructor(
    private readonly socket: Duplex,
    readonly headers: Readonly<Record<string, string>>,
    readonly credentials: Credentials,
    maxMessageBytes: number,
    private readonly live: Set<Connection>
  ) {
    live.add(this)
    this.reader = new FrameReader(maxMessageBytes)
    socket.on("data", (chunk: Buffer) => this.onData(chunk))
    socket.on("close", () => this.lost(new Error("the WebSocket connection closed")))
    socket.on("error", (error: Error) => this.lost(error))
  }

  private onData(chunk: Buffer): void {
    let messages
    try {
      messages = this.reader.push(chunk)
    } catch (error) {
      return this.lost(error)
    }
    for (const message of messages) {
      switch (message.opcode) {
        case Opcode.ping:
          this.socket.write(encodeFrame(Opcode.pong, message.payload, true))
          break
        case Opcode.pong:
          break
        case Opcode.close: {
          const { code, reason } = readClose(message.payload)
          return this.lost(new Error(`the server closed the WebSocket (${code}${reason === "" ? "" : `: ${reason}`})`))
        }
        case Opcode.binary:
          return this.lost(new Error("the server sent a binary WebSocket frame"))
        default:
          this.handler?.onMessage(message.payload.toString("utf8"))
      }
      if (this.closed) return
    }
  }

  /** The connection is gone: the current response (if any) learns why. */
  private lost(cause: unknown): void {
    if (this.closed) return
    this.closed = true
    this.live.delete(this)
    this.socket.destroy()
    const handler = this.handler
    this.handler = undefined
    handler?.onClose(cause)
  }

  send(text: string): void {
    this.socket.write(encodeFrame(Opcode.text, Buffer.from(text, "utf8"), true))
  }

  /** Closes at once (an interrupted response): no close handshake. */
  destroy(): void {
    this.handler = undefined
    this.lost(undefined)
  }

  /** Closes politely (idle, or the scope ends). */
  close(): void {
    if (this.closed) return
    this.handler = undefined
    this.socket.end(encodeFrame(Opcode.close, closePayload(1000, ""), true))
    this.closed = true
    this.live.delete(this)
    const socket = this.socket
    setTimeout(() => socket.destroy(), 1000).unref()
  }
}

/** A reply held in memory, so an error frame maps through the same path as an HTTP reply. */
const memoryReply = (status: number, headers: Readonly<Record<string, string>>, body: string): Reply => ({
  status,
  headers,
  read: (sink: BodySink) => {
    sink.onData(Buffer.from(body, "utf8"))
    sink.onEnd()
  },
  abort: () => {}
})

/** @internal */
export interface SocketOptions {
  readonly backend: Backend
  readonly upgrade: NonNullable<Transport["upgrade"]>
  /** The https URL of `/responses`. */
  readonly url: string
  readonly readOptions: ReadOptions
  readonly models: Models | undefined
}

/** @internal */
export interface Sockets {
  /** Whether this session fell back to SSE. */
  readonly fellBack: (session: string) => boolean
  /**
   * Runs one response, handing its events to `onEvents` as they come; ends with the
   * outcome of its terminal event.
   */
  readonly run: (
    policy: Config,
    body: Json,
    onEvents: (events: Array<ResponseStreamEvent>) => void
  ) => Effect.Effect<void, CodexError | FallBack>
}

/**
 * The connection pool, closed with the scope.
 *
 * @internal
 */
export const make = (options: SocketOptions) =>
  Effect.gen(function*() {
    const { backend, upgrade, url, readOptions, models } = options
    const config = backend.config
    const idle = new Map<string, Array<Connection>>()
    const fellBackSessions = new Set<string>()
    const turnStates = new Map<string, string>()
    const call: Call = { endpoint, url, method: "GET", accept: "*/*" }

    /** Every open connection, idle or busy (and one a handshake opened for a caller interrupted since). */
    const live = new Set<Connection>()

    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        for (const connection of [...live]) {
          clearTimeout(connection.idleTimer)
          connection.close()
        }
        idle.clear()
      })
    )

    const take = (session: string): Connection | undefined => {
      const list = idle.get(session)
      while (list !== undefined && list.length > 0) {
        const connection = list.pop() as Connection
        clearTimeout(connection.idleTimer)
        if (!connection.closed) return connection
      }
      return undefined
    }

    const giveBack = (session: string, connection: Connection): void => {
      if (connection.closed) return
      let list = idle.get(session)
      if (list === undefined) idle.set(session, list = [])
      list.push(connection)
      connection.idleTimer = setTimeout(() => {
        const at = list.indexOf(connection)
        if (at >= 0) list.splice(at, 1)
        if (list.length === 0 && idle.get(session) === list) idle.delete(session)
        connection.close()
      }, idleConnectionMillis)
      connection.idleTimer.unref()
    }

    /** One handshake: the connection, or the reply that refused it. */
    const handshake = (
      session: string,
      credentials: Credentials
    ): Effect.Effect<Connection | BackendReply, CodexError> => {
      const key = newKey()
      const headers: Record<string, string> = {
        ...authHeaders(config, credentials),
        "openai-beta": betaHeader,
        "x-client-request-id": session === "" ? randomUUID() : session,
        "sec-websocket-key": key,
        "sec-websocket-version": "13"
      }
      if (session !== "") headers["session_id"] = session
      const turnState = turnStates.get(session)
      if (turnState !== undefined) headers["x-codex-turn-state"] = turnState
      const unsafe = unsafeHeader(headers)
      if (unsafe !== undefined) return Effect.fail(unsafe)
      return Effect.clockWith((clock) =>
        Effect.async<Connection | BackendReply, CodexError>((resume) => {
          const watchdog = new Watchdog(clock)
          let settled = false
          const cancel = upgrade(
            { url, headers, protocol: "websocket" },
            ({ headers: answer, socket }) => {
              watchdog.clear()
              if (settled) return void socket.destroy()
              settled = true
              if (answer["sec-websocket-accept"] !== acceptKey(key)) {
                socket.destroy()
                return resume(
                  Effect.fail(
                    new TransportError({
                      endpoint,
                      cause: new Error("the WebSocket handshake answered a wrong Sec-WebSocket-Accept")
                    })
                  )
                )
              }
              resume(Effect.succeed(new Connection(socket, answer, credentials, config.maxEventBytes, live)))
            },
            (reply) => {
              settled = true
              resume(Effect.succeed(new BackendReply(reply, watchdog, endpoint)))
            },
            (cause) => {
              watchdog.clear()
              settled = true
              resume(Effect.fail(new TransportError({ endpoint, cause: safeCause(cause) })))
            }
          )
          watchdog.arm(Duration.toMillis(connectTimeout), () => {
            settled = true
            cancel()
            resume(Effect.fail(new Timeout({ phase: "headers", endpoint, after: connectTimeout })))
          })
          return Effect.sync(() => {
            settled = true
            watchdog.clear()
            cancel()
          })
        })
      )
    }

    /** A refused handshake: its typed error, or `FallBack` for a 426 or a 2xx that did not upgrade. */
    const refused = (credentials: Credentials, reply: BackendReply): Effect.Effect<never, CodexError | FallBack> => {
      if (reply.status === 426 || (reply.status >= 200 && reply.status < 300)) {
        reply.reply.abort()
        reply.watchdog.clear()
        return Effect.fail(new FallBack(`the handshake was answered with HTTP ${reply.status}`))
      }
      return Effect.flatMap(backend.settle(call, credentials, reply), () =>
        Effect.die(new Error("unreachable: a refused handshake settled as a success")))
    }

    /** Opens a connection for `session`, with one credential recovery after a 401. */
    const connect = (session: string): Effect.Effect<Connection, CodexError | FallBack> =>
      Effect.flatMap(backend.auth.credentials, (credentials) =>
        Effect.flatMap(handshake(session, credentials), (first): Effect.Effect<Connection, CodexError | FallBack> => {
          if (first instanceof Connection) {
            return opened(session, first)
          }
          if (first.status !== 401) {
            return refused(credentials, first)
          }
          const rejection = Effect.flatMap(
            backend.settle(call, credentials, first),
            () =>
              Effect.dieMessage("unreachable: a 401 settled as a success")
          )
          return Effect.catchAll(rejection, (rejected) =>
            backend.auth.recover(credentials).pipe(
              Effect.mapError((
                error
              ) => (error._tag === "AuthExpired" && error.reason === "unauthorized" ? rejected : error)),
              Effect.flatMap((fresh) =>
                handshake(session, fresh)
              ),
              Effect.flatMap((second) =>
                second instanceof Connection ? opened(session, second) : refused(credentials, second)
              )
            ))
        }))

    /** Reads what the 101 says: the turn state to send on reconnects, the catalog's ETag. */
    const opened = (session: string, connection: Connection): Effect.Effect<Connection> => {
      const turnState = connection.headers["x-codex-turn-state"]
      if (turnState !== undefined) {
        turnStates.set(session, turnState)
      }
      const etag = connection.headers["x-models-etag"]
      return etag === undefined || models === undefined
        ? Effect.succeed(connection)
        : Effect.as(ModelsEtag.note(models, etag), connection)
    }

    /**
     * Sends one `response.create` and reads its response: the terminal event's feed, or
     * the error frame that answered it.
     */
    const exchange = (
      connection: Connection,
      frame: string,
      onEvents: (events: Array<ResponseStreamEvent>) => void
    ): Effect.Effect<{ readonly feed: EventFeed; readonly output: Array<unknown> } | ErrorFrame, CodexError> =>
      Effect.clockWith((clock) =>
        Effect.async((resume) => {
          const feed = new EventFeed({ status: 101, headers: connection.headers }, readOptions)
          const watchdog = new Watchdog(clock)
          const idleMillis = Math.max(1, Duration.toMillis(readOptions.idleTimeout))
          const output: Array<unknown> = []
          let finished = false
          const finish = (
            result: Effect.Effect<
              { readonly feed: EventFeed; readonly output: Array<unknown> } | ErrorFrame,
              CodexError
            >
          ) => {
            if (finished) {
              return
            }
            finished = true
            watchdog.clear()
            connection.handler = undefined
            resume(result)
          }
          const kill = (error: CodexError) => {
            connection.destroy()
            finish(Effect.fail(error))
          }
          const onIdle = () =>
            kill(feed.timeout())
          connection.handler = {
            onMessage: (text) => {
              watchdog.arm(idleMillis, onIdle)
              let events: Array<ResponseStreamEvent>
              try {
                events = feed.message(text)
              } catch (error) {
                return kill(
                  error instanceof DecodeError || error instanceof StreamInterrupted ? error : feed.interrupted(error)
                )
              }
              const event = events[0]
              if (event?.type === "error") {
                const wire = event as unknown as Json
                const status = typeof wire["status"] === "number" ? wire["status"] : wire["status_code"]
                if (typeof status === "number") {
                  const error = isRecord(wire["error"]) ? wire["error"] : {}
                  const headers: Record<string, string> = {}
                  if (isRecord(wire["headers"])) {
                    for (const [name, value] of Object.entries(wire["headers"])) {
                      headers[name.toLowerCase()] = String(value)
                    }
                  }
                  const code = typeof error["code"] === "string"
                    ? error["code"]
                    : typeof error["type"] === "string"
                    ? error["type"]
                    : undefined
                  return finish(Effect.succeed(new ErrorFrame(status, JSON.stringify({ error }), headers, code)))
                }
              }
              for (const item of events) {
                if (item.type === "response.output_item.done") {
                  output[item.output_index] = item.item
                }
              }
              if (events.length > 0) onEvents(events)
              if (feed.terminal !== undefined) finish(Effect.succeed({ feed, output }))
            },
            onClose: (cause) => finish(Effect.fail(feed.interrupted(cause)))
          }
          watchdog.arm(idleMillis, onIdle)
          connection.send(frame)
          return Effect.sync(() => {
            if (finished) return
            finished = true
            watchdog.clear()
            connection.destroy()
          })
        })
      )

    /** One attempt: a connection (kept or new), the frame (incremental when it can be), the response. */
    const attempt = (body: Json, session: string, onEvents: (events: Array<ResponseStreamEvent>) => void) =>
      Effect.gen(function*() {
        let connection = take(session) ?? (yield* connect(session))
        let full = false
        for (let round = 0;; round++) {
          const items = full ? undefined : newItems(connection.last, body)
          const frame = JSON.stringify(
            items === undefined || connection.last === undefined
              ? { type: "response.create", ...body }
              : { type: "response.create", ...body, input: items, previous_response_id: connection.last.id }
          )
          connection.last = undefined
          const result = yield* exchange(connection, frame, onEvents)
          if (!(result instanceof ErrorFrame)) {
            const { feed, output } = result
            const terminal = feed.terminal
            if (terminal?.type === "response.completed" && feed.responseId !== undefined) {
              const completed = terminal.response.output
              connection.last = {
                id: feed.responseId,
                fields: fieldsOf(body),
                input: body["input"] as ReadonlyArray<unknown>,
                output: completed !== undefined && completed.length > 0
                  ? completed
                  : output.filter((item) => item !== undefined)
              }
            }
            giveBack(session, connection)
            return yield* feed.outcome
          }
          if (result.code === "previous_response_not_found" && items !== undefined && round < 2) {
            full = true
            continue
          }
          if (result.code === "websocket_connection_limit_reached" && round < 2) {
            connection.destroy()
            connection = yield* connect(session)
            full = true
            continue
          }
          giveBack(session, connection)
          return yield* Effect.flatMap(
            backend.settle(
              call,
              connection.credentials,
              new BackendReply(
                memoryReply(result.status, result.headers, result.body),
                new Watchdog(yield* Effect.clock),
                call.endpoint
              )
            ),
            () => Effect.fail(new StreamInterrupted({ eventsReceived: 0 }))
          )
        }
      })

    const run: Sockets["run"] = (policy, body, onEvents) =>
      Effect.suspend(() => {
        const session = typeof body["prompt_cache_key"] === "string" ? body["prompt_cache_key"] : ""
        let emitted = false
        const push = (events: Array<ResponseStreamEvent>) => {
          emitted = true
          onEvents(events)
        }
        const beforeEvents = (error: CodexError | FallBack) =>
          error instanceof FallBack || emitted || !isRetryable(error) ? undefined : error
        return withRetries(() => retrySchedule(policy), endpoint, attempt(body, session, push), beforeEvents).pipe(
          Effect.catchAll((error): Effect.Effect<never, CodexError | FallBack> => {
            // The connection itself kept failing before any event: this session uses SSE from now on.
            const lost = !emitted && !(error instanceof FallBack) &&
              (error._tag === "TransportError" || error._tag === "Timeout" || error._tag === "StreamInterrupted")
            const fallBack = error instanceof FallBack ? error : lost ? new FallBack(error.message) : undefined
            if (fallBack === undefined || session === "") return Effect.fail(fallBack ?? error)
            if (fellBackSessions.has(session)) return Effect.fail(fallBack)
            fellBackSessions.add(session)
            return Effect.zipRight(
              Effect.logWarning(
                `Falling back from WebSockets to HTTPS transport for session ${session}: ${fallBack.reason}`
              ),
              Effect.fail(fallBack)
            )
          })
        )
      })

    const sockets: Sockets = { fellBack: (session) => fellBackSessions.has(session), run }
    return sockets
  })
