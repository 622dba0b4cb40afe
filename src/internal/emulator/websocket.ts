/**
 * The emulator's WebSocket route for `/responses` (protocol §13): the handshake (auth,
 * a scripted refusal such as 426, the 101's `x-models-etag` and `x-codex-turn-state`), one
 * `response.create` frame per response, answered with the same scripts as SSE: events as
 * text frames (a scripted chunk size fragments them), an HTTP reply as an `error` frame
 * with its `headers`, `stall` and `reset` endings, and a close before the terminal event
 * for a script that has none. `previous_response_id` resolves against the responses served
 * on the same connection; `generate: false` is a prewarm. A connection is closed with
 * `websocket_connection_limit_reached` on the first request after 60 minutes of the
 * emulator's clock (the test clock, in a test).
 *
 * @internal
 */
import * as Http from "node:http"
import type * as Net from "node:net"
import { isRecord } from "../jsonGuards.js"
import { SseDecoder } from "../sse.js"
import { acceptKey, closePayload, encodeFrame, FrameError, FrameReader, Opcode } from "../websocketFrames.js"
import type { Frame, Reply } from "./replies.js"

type Json = Record<string, unknown>
type Headers = Readonly<Record<string, string | undefined>>

/** What the emulator decides for the WebSocket route. @internal */
export interface Hooks {
  /** A refusal of the handshake (bad credentials, a scripted 426 or other error reply), if any. */
  readonly refuse: (headers: Headers) => Reply | undefined
  /** The answer to one `response.create` body (the full input): a validation error, the next script, or the default. */
  readonly answer: (body: Json) => Reply
  /** The catalog's ETag, sent in the 101 as `x-models-etag`. */
  readonly etag: () => string
  /** Records a request: a `response.create` message (status 101, the connection's) or a refused handshake. */
  readonly record: (
    request: { readonly method: string; readonly path: string; readonly headers: Headers; readonly body: unknown },
    status: number
  ) => void
  /** The emulator's clock (epoch ms), for the 60-minute limit. */
  readonly now: () => number
}

/** Counters of the WebSocket route. @internal */
export interface SocketStats {
  /** Connections accepted so far. */
  opened: number
  /** Connections the client closed while a response was in flight. */
  interrupted: number
  /** Pongs received (every response starts with a ping). */
  pongs: number
}

const paths: ReadonlySet<string> = new Set(["/backend-api/codex/responses", "/api/codex/responses"])
const limitMillis = 60 * 60 * 1000
const terminalTypes: ReadonlySet<string> = new Set([
  "response.completed",
  "response.failed",
  "response.incomplete",
  "error"
])

const refuseHandshake = (socket: Net.Socket, reply: Reply): void => {
  const status = reply._tag === "Http" ? reply.status : 500
  const body = reply._tag === "Http" ? reply.body : ""
  const headers: Record<string, string> = {
    "content-type": "application/json",
    ...reply.headers,
    "content-length": String(Buffer.byteLength(body)),
    connection: "close"
  }
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("")
  socket.end(`HTTP/1.1 ${status} ${Http.STATUS_CODES[status] ?? "Error"}\r\n${head}\r\n${body}`)
}

/** The JSON texts of a scripted SSE reply: event objects as they are, raw SSE text decoded (`[DONE]` is SSE only). */
const messagesOf = (frames: ReadonlyArray<Frame>): Array<string> => {
  const out: Array<string> = []
  const decoder = new SseDecoder((data) => {
    if (data !== "[DONE]") out.push(data)
  })
  for (const frame of frames) {
    if ("raw" in frame && typeof frame.raw === "string" && Object.keys(frame).length === 1) {
      decoder.push(Buffer.from(frame.raw))
    } else out.push(JSON.stringify(frame))
  }
  decoder.end()
  return out
}

/** An HTTP error reply as the backend sends it over the socket: an `error` frame with its status and headers. */
const errorFrame = (reply: Extract<Reply, { _tag: "Http" }>): string => {
  let body: unknown
  try {
    body = JSON.parse(reply.body)
  } catch {
    body = { message: reply.body }
  }
  const error = isRecord(body) && isRecord(body["error"])
    ? body["error"]
    : isRecord(body) && typeof body["detail"] === "string"
    ? { message: body["detail"] }
    : body
  return JSON.stringify({ type: "error", status: reply.status, error, headers: reply.headers })
}

const errorMessage = (status: number, code: string, message: string, param?: string) =>
  JSON.stringify({
    type: "error",
    status,
    error: { type: "invalid_request_error", code, message, ...(param === undefined ? {} : { param }) }
  })

/** One accepted connection. */
class Connection {
  private readonly reader = new FrameReader(64 * 1024 * 1024)
  private readonly openedAt: number
  /** The input and output of each completed response on this connection, by id. */
  private readonly served = new Map<
    string,
    { readonly input: ReadonlyArray<unknown>; readonly output: ReadonlyArray<unknown> }
  >()
  private busy = false
  private closed = false

  constructor(
    private readonly socket: Net.Socket,
    private readonly path: string,
    private readonly headers: Headers,
    private readonly hooks: Hooks,
    private readonly stats: SocketStats
  ) {
    this.openedAt = hooks.now()
    socket.on("data", (chunk: Buffer) => this.onData(chunk))
    socket.on("close", () => {
      if (this.busy) stats.interrupted++
      this.busy = false
      this.closed = true
    })
    socket.on("error", () => socket.destroy())
    // The HTTP server's sockets are half-open: the client's FIN alone would not close it.
    socket.on("end", () => socket.destroy())
  }

  private send(opcode: number, payload: Uint8Array, chunkSize?: number): void {
    if (this.closed || this.socket.destroyed) return
    if (chunkSize === undefined || payload.length <= chunkSize) {
      this.socket.write(encodeFrame(opcode, payload, false))
      return
    }
    for (let at = 0; at < payload.length; at += chunkSize) {
      const end = Math.min(payload.length, at + chunkSize)
      this.socket.write(
        encodeFrame(at === 0 ? opcode : Opcode.continuation, payload.subarray(at, end), false, end === payload.length)
      )
    }
  }

  private text(message: string, chunkSize?: number): void {
    this.send(Opcode.text, Buffer.from(message), chunkSize)
  }

  private close(code: number, reason: string): void {
    this.send(Opcode.close, closePayload(code, reason))
    this.busy = false
    this.closed = true
    this.socket.end()
  }

  private onData(chunk: Buffer): void {
    let messages
    try {
      messages = this.reader.push(chunk)
    } catch (error) {
      return this.close(error instanceof FrameError ? error.code : 1002, "protocol error")
    }
    for (const message of messages) {
      switch (message.opcode) {
        case Opcode.ping:
          this.send(Opcode.pong, message.payload)
          break
        case Opcode.pong:
          this.stats.pongs++
          break
        case Opcode.close:
          return this.close(1000, "")
        case Opcode.binary:
          return this.close(1003, "binary frames are not accepted")
        default:
          this.onMessage(message.payload.toString("utf8"))
      }
    }
  }

  private onMessage(text: string): void {
    let frame: unknown
    try {
      frame = JSON.parse(text)
    } catch {
      return this.text(errorMessage(400, "invalid_json", "The message is not JSON."))
    }
    if (!isRecord(frame) || frame["type"] !== "response.create") {
      return this.text(errorMessage(400, "invalid_request", "Expected a response.create message."))
    }
    const { type: _type, ...request } = frame
    // The CLI (0.169) sends no `instructions` over the socket (they travel as a developer
    // message) and adds `client_metadata`: the route accepts both.
    const { previous_response_id: previous, generate, client_metadata: _metadata, ...sent } = request
    const body: Json = { instructions: "", ...sent }
    // Recorded like an SSE request (its body without the frame's `type`), under the handshake's method and headers.
    this.hooks.record({ method: "GET", path: this.path, headers: this.headers, body: request }, 101)
    if (this.busy) {
      return this.text(
        errorMessage(400, "response_in_progress", "A response is already in progress on this connection.")
      )
    }
    if (this.hooks.now() - this.openedAt >= limitMillis) {
      this.text(
        errorMessage(
          400,
          "websocket_connection_limit_reached",
          "Responses websocket connection limit reached (60 minutes)"
        )
      )
      return this.close(1000, "connection limit reached")
    }
    let input: ReadonlyArray<unknown> = Array.isArray(body["input"]) ? body["input"] : []
    if (typeof previous === "string") {
      const before = this.served.get(previous)
      if (before === undefined) {
        return this.text(
          errorMessage(
            400,
            "previous_response_not_found",
            `Previous response with id '${previous}' not found.`,
            "previous_response_id"
          )
        )
      }
      input = [...before.input, ...before.output, ...input]
    }
    const full: Json = { ...body, input }
    if (generate === false) return this.prewarm(full)
    this.busy = true
    this.send(Opcode.ping, Buffer.alloc(0))
    this.reply(this.hooks.answer(full), input)
  }

  /** `generate: false`: created and completed with no output; the input is kept for the next turn. */
  private prewarm(body: Json): void {
    const id = `resp_prewarm_${this.served.size + 1}`
    const response = {
      id,
      object: "response",
      created_at: Math.floor(this.hooks.now() / 1000),
      model: body["model"],
      status: "completed",
      output: []
    }
    this.text(
      JSON.stringify({ type: "response.created", sequence_number: 0, response: { ...response, status: "in_progress" } })
    )
    this.text(JSON.stringify({ type: "response.completed", sequence_number: 1, response }))
    this.served.set(id, { input: Array.isArray(body["input"]) ? body["input"] : [], output: [] })
  }

  private reply(reply: Reply, input: ReadonlyArray<unknown>): void {
    if (reply._tag === "Http") {
      this.busy = false
      return this.text(reply.status >= 400 ? errorFrame(reply) : reply.body)
    }
    let id: string | undefined = undefined
    const output: Array<unknown> = []
    let terminal: string | undefined = undefined
    for (const message of messagesOf(reply.frames)) {
      let event: unknown
      try {
        event = JSON.parse(message)
      } catch {
        event = undefined
      }
      if (isRecord(event)) {
        const type = event["type"]
        if (type === "response.created" && isRecord(event["response"])) id = String(event["response"]["id"])
        if (type === "response.output_item.done") output[Number(event["output_index"])] = event["item"]
        if (typeof type === "string" && terminalTypes.has(type)) terminal = type
      }
      this.text(message, reply.chunkSize)
      if (terminal !== undefined) break
    }
    if (reply.ending === "stall") return
    if (reply.ending === "reset") {
      setTimeout(() => this.socket.destroy(), 20)
      return
    }
    if (terminal === undefined) return this.close(1011, "the response ended without a terminal event")
    this.busy = false
    if (terminal === "response.completed" && id !== undefined) {
      this.served.set(id, {
        input,
        output: output.filter((item) => item !== undefined)
      })
    }
  }
}

/**
 * Serves the WebSocket route on `server`, in place of any other `upgrade` listener (the
 * emulator's router answers plain HTTP only). Other paths are refused with 404. `close`
 * destroys the open connections (the HTTP server does not track upgraded sockets).
 *
 * @internal
 */
export const serve = (
  server: Http.Server,
  base: string,
  hooks: Hooks
): { readonly stats: SocketStats; readonly close: () => void } => {
  const stats: SocketStats = { opened: 0, interrupted: 0, pongs: 0 }
  const sockets = new Set<Net.Socket>()
  server.removeAllListeners("upgrade")
  server.on("upgrade", (request: Http.IncomingMessage, socket: Net.Socket) => {
    // An upgraded socket leaves Node's HTTP error handling: a client that resets it would
    // otherwise raise an unhandled 'error' and kill the emulator's process.
    socket.on("error", () => socket.destroy())
    const path = new URL(request.url ?? "/", base).pathname
    const headers: Record<string, string | undefined> = {}
    for (const [name, value] of Object.entries(request.headers)) {
      headers[name] = Array.isArray(value)
        ? value.join(", ")
        : value
    }
    const key = headers["sec-websocket-key"]
    if (!paths.has(path)) {
      return refuseHandshake(socket, {
        _tag: "Http",
        status: 404,
        body: JSON.stringify({ detail: "Not Found" }),
        headers: {}
      })
    }
    if (
      (headers["upgrade"] ?? "").toLowerCase() !== "websocket" || key === undefined ||
      headers["sec-websocket-version"] !== "13"
    ) {
      return refuseHandshake(socket, {
        _tag: "Http",
        status: 400,
        body: JSON.stringify({ detail: "Expected a WebSocket handshake" }),
        headers: {}
      })
    }
    const refusal = hooks.refuse(headers)
    if (refusal !== undefined) {
      // A refused handshake is recorded as a request (with no body): it stood for one.
      hooks.record({ method: "GET", path, headers, body: undefined }, refusal._tag === "Http" ? refusal.status : 500)
      return refuseHandshake(socket, refusal)
    }
    stats.opened++
    sockets.add(socket)
    socket.once("close", () => sockets.delete(socket))
    const turnState = headers["x-codex-turn-state"] ?? `ts_emulated_${stats.opened}`
    socket.setNoDelay(true)
    socket.write(
      "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n" +
        `sec-websocket-accept: ${
          acceptKey(key)
        }\r\nx-models-etag: ${hooks.etag()}\r\nx-codex-turn-state: ${turnState}\r\n` +
        "openai-model: gpt-5.4\r\nx-reasoning-included: true\r\nx-request-id: req_emulated_ws\r\n\r\n"
    )
    new Connection(socket, path, headers, hooks, stats)
  })
  return {
    stats,
    close: () => {
      for (const socket of sockets) socket.destroy()
    }
  }
}
