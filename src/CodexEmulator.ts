/**
 * A built-in emulator of the Codex backend: a real HTTP server on loopback that speaks
 * the wire protocol (`/responses` as SSE framed like the backend and over its WebSocket route, compaction by a
 * `compaction_trigger` item), validates requests the way the backend does (one table of
 * rules, `internal/emulator/rules.ts`), and is scriptable per test, with fault injection
 * (429 usage limits, 5xx, `response.failed`, cut and reset streams, stalls, malformed
 * frames, chunking down to one byte, any line ending). The official Codex CLI completes
 * its turns against it (`npm run conformance`).
 *
 * Unscripted requests get a plausible answer computed from the request: an echo of the
 * last user message in text, a tool call only when the prompt says `call tool NAME`
 * (arguments that fit the tool's schema; then an answer that quotes the tool's output),
 * JSON that fits a requested `json_schema`, a reasoning summary when reasoning is asked
 * for. This is what `npm run demo` talks to.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as CodexEmulator from "codex-backend-sdk/CodexEmulator"
 * import { Responses } from "codex-backend-sdk"
 *
 * const program = Effect.gen(function*() {
 *   const emulator = yield* CodexEmulator.CodexEmulator
 *   yield* emulator.script(CodexEmulator.text("PONG"))
 *   const responses = yield* Responses.Responses
 *   const response = yield* responses.create({ input: "Say PONG." })
 *   return response.output_text // "PONG"
 * }).pipe(Effect.provide(CodexEmulator.layerClient()))
 * ```
 *
 * @since 0.1.0
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpRouter from "@effect/platform/HttpRouter"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type { ConfigError } from "effect"
import { Chunk, Context, Effect, Layer, Ref, Stream } from "effect"
import * as Http from "node:http"
import * as CodexAuth from "./CodexAuth.js"
import * as CodexClient from "./CodexClient.js"
import * as CodexConfig from "./CodexConfig.js"
import * as CodexTransport from "./CodexTransport.js"
import * as Api from "./internal/emulator/api.js"
import * as ClientRoutes from "./internal/emulator/clientRoutes.js"
import { withinContext } from "./internal/emulator/context.js"
import * as Events from "./internal/emulator/events.js"
import type { UploadedFile } from "./internal/emulator/incoming.js"
import { decodeBody, isUploadedFile, parseBody } from "./internal/emulator/incoming.js"
import type { IssuerOptions, IssuerReply } from "./internal/emulator/issuer.js"
import { Issuer, jwt, redactIssuerBody } from "./internal/emulator/issuer.js"
import * as Catalog from "./internal/emulator/models.js"
import * as Realtime from "./internal/emulator/realtime.js"
import * as Replies from "./internal/emulator/replies.js"
import { compacted, compactionReply, defaultReply, isCompactionRequest } from "./internal/emulator/responses.js"
import { breach, detail } from "./internal/emulator/rules.js"
import * as WebSocket from "./internal/emulator/websocket.js"
import * as Wham from "./internal/emulator/wham.js"
import { isRecord } from "./internal/json.js"
import type { ResponseStreamEvent } from "./ResponseStreamEvent.js"
import * as TokenStore from "./TokenStore.js"

/**
 * A frame of an SSE reply: an event object (sent as `event: <type>` + `data: <json>`) or
 * raw text written verbatim (a comment, a malformed frame...).
 *
 * @since 0.1.0
 * @category models
 */
export type Frame = Replies.Frame

/**
 * How an SSE reply ends: `"complete"` closes the body normally after the frames; `"stall"`
 * keeps the connection open and silent; `"reset"` destroys the socket.
 *
 * @since 0.1.0
 * @category models
 */
export type Ending = Replies.Ending

/**
 * A scripted reply: an SSE body (`sse`, `text`, `functionCall`) or a plain HTTP answer (`http`).
 *
 * @since 0.1.0
 * @category models
 */
export type Reply = Replies.Reply

/**
 * A request the emulator received (any route, valid or not).
 *
 * @since 0.1.0
 * @category models
 */
export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly headers: Readonly<Record<string, string | undefined>>
  /** The parsed JSON body, or the raw text when it was not JSON. */
  readonly body: unknown
}

/**
 * One line of the emulator's request log (see `Options.onRequest`): what was asked and
 * the status it got.
 *
 * @since 0.1.0
 * @category models
 */
export interface LogEntry {
  readonly method: string
  readonly path: string
  readonly status: number
  /** The parsed JSON body, or the raw text when it was not JSON. */
  readonly body: unknown
}

/**
 * The routes that take scripted replies (`token` is the issuer's `/oauth/token`).
 *
 * @since 0.1.0
 * @category models
 */
export type Route =
  | "responses"
  | "compact"
  | "token"
  | "models"
  | "realtime"
  | "embeddings"
  | "transcriptions"
  | "usage"
  | "tasks"
  | "environments"
  | "memories"
  | "userSystemMessages"
  | "client"

const noScripts = (): Readonly<Record<Route, ReadonlyArray<Reply>>> => ({
  responses: [],
  compact: [],
  token: [],
  models: [],
  realtime: [],
  embeddings: [],
  transcriptions: [],
  usage: [],
  tasks: [],
  environments: [],
  memories: [],
  userSystemMessages: [],
  client: []
})

/**
 * Which credentials a route takes: the chatgpt.com headers, a bare bearer (api.openai.com),
 * or none (`ps/mcp`: the CLI 0.169.0 sent its MCP client no bearer on a plain-http origin).
 */
type Host = "chatgpt" | "api" | "open"

/** A request as a route's answer sees it. */
interface Incoming {
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly body: unknown
  readonly contentType: string
  readonly query: URLSearchParams
  readonly params: Readonly<Record<string, string | undefined>>
}

const withHeaders = (reply: Reply, headers: Readonly<Record<string, string>>): Reply => ({
  ...reply,
  headers: { ...headers, ...reply.headers }
})

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** `CodexConfig` options whose base URLs point at this emulator. */
  readonly config: CodexConfig.Options
  /** Queues replies for the next requests to `route` (default `/responses`), in order. */
  readonly script: (...replies: ReadonlyArray<Reply>) => Effect.Effect<void>
  /** Queues replies for the next requests to a given route. */
  readonly scriptRoute: (route: Route, ...replies: ReadonlyArray<Reply>) => Effect.Effect<void>
  /**
   * Replaces the `/models` catalog (wire objects, each with a `slug`) and its ETag, which
   * every `/responses` reply then carries as `x-models-etag`.
   */
  readonly setModels: (
    options: { readonly models?: ReadonlyArray<Record<string, unknown>>; readonly etag: string }
  ) => Effect.Effect<void>
  /** Every request received so far. */
  readonly requests: Effect.Effect<ReadonlyArray<RecordedRequest>>
  /** How many SSE connections (and WebSocket responses) were closed by the client before the server finished them. */
  readonly abortedStreams: Effect.Effect<number>
  /**
   * The WebSocket route of `/responses` (protocol §13): connections accepted, connections the
   * client closed while a response was in flight, pongs received (each response starts with a ping).
   */
  readonly sockets: Effect.Effect<{ readonly opened: number; readonly interrupted: number; readonly pongs: number }>
  /** Forgets scripts, recorded requests and counters. */
  readonly reset: Effect.Effect<void>
  /** The emulated OAuth issuer (at `url`): counters, and tokens for seeding a store. */
  readonly issuer: {
    /** Issues a valid token set (its refresh token is live); `ttlSeconds` sets the access token's lifetime. */
    readonly issue: (
      ttlSeconds?: number
    ) => Effect.Effect<{ readonly idToken: string; readonly accessToken: string; readonly refreshToken: string }>
    /** Refresh-grant requests received. */
    readonly refreshRequests: Effect.Effect<number>
    /** Revoke requests received. */
    readonly revocations: Effect.Effect<number>
  }
}

/**
 * @since 0.1.0
 * @category tags
 */
export class CodexEmulator extends Context.Tag("codex-backend-sdk/CodexEmulator")<CodexEmulator, Service>() {}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends IssuerOptions {
  /**
   * Decides whether a bearer token is accepted on the backend routes (default: any
   * non-empty token whose `exp`, when it has one, is in the future).
   */
  readonly acceptToken?: (token: string) => boolean
  /** Port to listen on (default: any free port). Always bound to 127.0.0.1. */
  readonly port?: number
  /**
   * Serve the legacy `POST /responses/compact` (§8.1). Default false: it answers 404, as
   * the real backend has since late 2026 (§8.0).
   */
  readonly legacyCompaction?: boolean
  /**
   * Called once per request with its answer's status (`codex-backend emulator --log`); a
   * `response.create` message on the WebSocket route is logged as a `GET` of its path with
   * status 101.
   */
  readonly onRequest?: (entry: LogEntry) => void
  /**
   * The largest request body read (default 32 MiB); a larger one is answered 413 unread
   * and recorded without its body.
   */
  readonly maxBodyBytes?: number
  /**
   * What `requests` keeps: the most recent `entries` requests (default 1,000) whose bodies
   * add up to at most `bytes` (default 64 MiB); older ones are forgotten.
   */
  readonly maxRecorded?: { readonly entries?: number; readonly bytes?: number }
}

// ---------------------------------------------------------------------------------------
// Event builders
// ---------------------------------------------------------------------------------------

/**
 * Options of the event builders: response `id`, `model`, `deltaSize` (characters per
 * delta), a `reasoning` summary to stream first, `completedOutput` (repeat the items in
 * `response.completed`), `doneOnly` (only `output_item.done` per item).
 *
 * @since 0.1.0
 * @category models
 */
export type EventOptions = Events.EventOptions

/**
 * The events of a text answer, framed as the backend frames them (§5.3): created,
 * in_progress, [a reasoning item], a message item with its deltas, and completed with an
 * empty `output`, as the backend usually sends it.
 *
 * @since 0.1.0
 * @category events
 */
export const textEvents: (text: string, options?: EventOptions) => Array<ResponseStreamEvent> = Events.textEvents

/**
 * The events of a function call (`args` is sent as given, in deltas).
 *
 * @since 0.1.0
 * @category events
 */
export const functionCallEvents: (
  name: string,
  args: string,
  options?: EventOptions & { readonly callId?: string }
) => Array<ResponseStreamEvent> = Events.functionCallEvents

/**
 * Created, then `response.failed` with `error: {code, message}`.
 *
 * @since 0.1.0
 * @category events
 */
export const failedEvents: (code: string, message: string) => Array<ResponseStreamEvent> = Events.failedEvents

/**
 * A text answer that ends in `response.incomplete` with the given reason.
 *
 * @since 0.1.0
 * @category events
 */
export const incompleteEvents: (text: string, reason: string) => Array<ResponseStreamEvent> = Events.incompleteEvents

// ---------------------------------------------------------------------------------------
// Reply builders
// ---------------------------------------------------------------------------------------

/**
 * An SSE reply: frames, how it ends, how it is chunked, which line ending it uses.
 *
 * @since 0.1.0
 * @category replies
 */
export const sse: typeof Replies.sse = Replies.sse

/**
 * A text answer as an SSE reply.
 *
 * @since 0.1.0
 * @category replies
 */
export const text: typeof Replies.text = Replies.text

/**
 * A function call as an SSE reply.
 *
 * @since 0.1.0
 * @category replies
 */
export const functionCall: typeof Replies.functionCall = Replies.functionCall

/**
 * A plain HTTP reply (`body` objects are sent as JSON).
 *
 * @since 0.1.0
 * @category replies
 */
export const http: typeof Replies.http = Replies.http

/**
 * A 429 usage-limit reply with its rate-limit headers.
 *
 * @since 0.1.0
 * @category replies
 */
export const usageLimit: typeof Replies.usageLimit = Replies.usageLimit

/**
 * Several function calls in one response (parallel tool calls); `arguments` objects are
 * sent as JSON, strings verbatim (e.g. invalid JSON). Call ids default to fresh `call_…` ids.
 *
 * @since 0.1.0
 * @category replies
 */
export const functionCalls: typeof Replies.functionCalls = Replies.functionCalls

/**
 * A refusal: an assistant message whose content is one `refusal` part.
 *
 * @since 0.1.0
 * @category replies
 */
export const refusal: typeof Replies.refusal = Replies.refusal

/**
 * A structured-output answer: `value` as the message text (`JSON.stringify`d unless a string).
 *
 * @since 0.1.0
 * @category replies
 */
export const json: typeof Replies.json = Replies.json

/**
 * The events of one response with several function calls (for `Responses.layerTest` doubles).
 *
 * @since 0.1.0
 * @category events
 */
export const functionCallsEvents: typeof Events.functionCallsEvents = Events.functionCallsEvents

/**
 * The events of a refusal (for `Responses.layerTest` doubles).
 *
 * @since 0.1.0
 * @category events
 */
export const refusalEvents: typeof Events.refusalEvents = Events.refusalEvents

// ---------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------

const encoder = new TextEncoder()

const frameText = (frame: Frame, eol: string): string => {
  if ("raw" in frame && typeof frame.raw === "string" && Object.keys(frame).length === 1) return frame.raw
  const type = "type" in frame && typeof frame.type === "string" ? frame.type : "message"
  return `event: ${type}${eol}data: ${JSON.stringify(frame)}${eol}${eol}`
}

const splitBytes = (bytes: Uint8Array, size: number): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size))
  return out
}

/**
 * Starts the emulator in the current scope; it stops when the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}) =>
  Effect.gen(function*() {
    const nodeServer = Http.createServer()
    const server = yield* NodeHttpServer.make(() => nodeServer, { port: options.port ?? 0, host: "127.0.0.1" })
    const address = server.address
    if (address._tag !== "TcpAddress") return yield* Effect.dieMessage("the emulator needs a TCP address")
    const url = `http://127.0.0.1:${address.port}`
    const scripts = yield* Ref.make(noScripts())
    let catalog: ReadonlyArray<Record<string, unknown>> = Catalog.models
    let modelsEtag = "\"catalog-1\""
    let calls = 0
    const maxBody = options.maxBodyBytes ?? 32 * 1024 * 1024
    const recorded: Array<RecordedRequest> = []
    const recordedSizes: Array<number> = []
    let recordedBytes = 0
    const maxEntries = options.maxRecorded?.entries ?? 1000
    const maxBytes = options.maxRecorded?.bytes ?? 64 * 1024 * 1024
    /** Keeps a request (with the byte size of its body), forgetting the oldest beyond the bounds. */
    const keep = (entry: RecordedRequest, size: number) => {
      recorded.push(entry)
      recordedSizes.push(size)
      recordedBytes += size
      while (recorded.length > maxEntries || (recordedBytes > maxBytes && recorded.length > 1)) {
        recorded.shift()
        recordedBytes -= recordedSizes.shift() ?? 0
      }
    }
    const record = (entry: RecordedRequest, size = 0) => Effect.sync(() => keep(entry, size))
    const aborted = yield* Ref.make(0)
    const issuer = new Issuer(url, options)
    const acceptToken = options.acceptToken ?? unexpired

    /** The next scripted reply for `route` (taken only when `take` accepts it). */
    const nextIf = (route: Route, take: (reply: Reply) => boolean) =>
      Ref.modify(scripts, (all): [Reply | undefined, Readonly<Record<Route, ReadonlyArray<Reply>>>] => {
        const [head, ...rest] = all[route]
        return head === undefined || !take(head) ? [undefined, all] : [head, { ...all, [route]: rest }]
      })
    const next = (route: Route) => nextIf(route, () => true)

    const send = (reply: Reply, request: HttpServerRequest.HttpServerRequest) => {
      if (reply._tag === "Http") {
        return HttpServerResponse.text(reply.body, {
          status: reply.status,
          headers: reply.headers,
          contentType: reply.headers["content-type"] ?? "application/json"
        })
      }
      const pieces = reply.chunkSize === undefined
        ? reply.frames.map((frame) => encoder.encode(frameText(frame, reply.lineEnding)))
        : splitBytes(
          encoder.encode(reply.frames.map((frame) => frameText(frame, reply.lineEnding)).join("")),
          reply.chunkSize
        )
      const nodeResponse = NodeHttpServerRequest.toServerResponse(request)
      nodeResponse.once("close", () => {
        if (!nodeResponse.writableEnded) Effect.runSync(Ref.update(aborted, (n) => n + 1))
      })
      let body: Stream.Stream<Uint8Array> = Stream.fromChunk(Chunk.unsafeFromArray(pieces)).pipe(Stream.rechunk(1))
      if (reply.ending === "stall") body = Stream.concat(body, Stream.never)
      if (reply.ending === "reset") {
        // Give the written frames a moment to reach the client, then break the connection.
        const destroy = Effect.async<void>((resume) => {
          const timer = setTimeout(() => {
            nodeResponse.destroy()
            resume(Effect.void)
          }, 20)
          return Effect.sync(() => clearTimeout(timer))
        })
        body = Stream.concat(body, Stream.drain(Stream.fromEffect(destroy)))
      }
      return HttpServerResponse.stream(body, {
        contentType: "text/event-stream",
        headers: { "cache-control": "no-cache", "x-request-id": "req_emulated", ...reply.headers }
      })
    }

    /** Sends a reply and reports it to `onRequest`. */
    const logged = (request: HttpServerRequest.HttpServerRequest, body: unknown, reply: Reply) => {
      options.onRequest?.({
        method: request.method,
        path: request.url,
        status: reply._tag === "Http" ? reply.status : 200,
        body
      })
      return send(reply, request)
    }

    /** A body over `maxBodyBytes`: 413, recorded without it. */
    const tooLarge = (request: HttpServerRequest.HttpServerRequest) => {
      keep({ method: request.method, path: request.url, headers: request.headers, body: undefined }, 0)
      return logged(
        request,
        undefined,
        http(413, { detail: `The request body is larger than the emulator's ${maxBody} bytes` })
      )
    }

    /** A route the emulator does not serve: 404 with a JSON body naming it. */
    const notFound = Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const path = request.url.split("?")[0] ?? request.url
      yield* record({ method: request.method, path: request.url, headers: request.headers, body: undefined })
      return logged(
        request,
        undefined,
        http(404, { detail: `Not Found: ${request.method} ${path} is not a route of the emulator` })
      )
    })

    /** Bearer on every backend route; the account header on the chatgpt.com ones (§3, §11). */
    const unauthorized = (headers: Readonly<Record<string, string | undefined>>, host: Host): Reply | undefined => {
      if (host === "open") return undefined
      const authorization = headers["authorization"] ?? ""
      const token = authorization.startsWith("Bearer ") ? authorization.slice(7) : ""
      if (!acceptToken(token)) {
        return http(401, {
          error: {
            type: "invalid_request_error",
            code: "token_expired",
            message: "Provided authentication token is expired. Please try signing in again."
          }
        }, {
          "x-request-id": "req_emulated_401"
        })
      }
      if (host === "chatgpt" && (headers["chatgpt-account-id"] ?? "") === "") {
        return http(403, { detail: "Missing ChatGPT-Account-ID header" }, { "x-request-id": "req_emulated_403" })
      }
      return undefined
    }

    /**
     * A backend route: records the request, checks its credentials, runs `validate` (what
     * the backend rejects whatever the script says), then answers with the next scripted
     * reply for `route`, else with `answer`.
     */
    const serve = (
      route: Route,
      host: Host,
      answer: (incoming: Incoming) => Reply,
      validate: (incoming: Incoming) => Reply | undefined = () => undefined
    ) =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const raw = yield* readCapped(request, maxBody)
        if (raw === undefined) return tooLarge(request)
        const contentType = request.headers["content-type"] ?? ""
        const bytes = decodeBody(raw, request.headers["content-encoding"] ?? "")
        const body = "unsupported" in bytes
          ? "<undecodable body>"
          : yield* Effect.promise(() => parseBody(bytes, contentType))
        yield* record({ method: request.method, path: request.url, headers: request.headers, body }, raw.byteLength)
        const answered = (reply: Reply) => logged(request, body, reply)
        if ("unsupported" in bytes) return answered(http(415, { detail: bytes.unsupported }))
        const incoming: Incoming = {
          headers: request.headers,
          body,
          contentType,
          query: new URL(request.url, url).searchParams,
          params: yield* HttpRouter.params
        }
        const rejected = unauthorized(request.headers, host) ?? validate(incoming)
        if (rejected !== undefined) return answered(rejected)
        const reply = (yield* next(route)) ?? answer(incoming)
        if (route !== "responses") return answered(reply)
        // The model that served the request (§3): the one asked for, as the backend echoes it.
        const model = isRecord(body) && typeof body["model"] === "string" ? body["model"] : "gpt-5.4"
        return answered(withHeaders(reply, { "x-models-etag": modelsEtag, "openai-model": model }))
      })

    /** The slugs the backend serves, whatever client asks: the whole catalog. */
    const served = () => new Set(catalog.map((model) => String(model["slug"])))

    const responsesRoute = (route: "responses" | "compact") =>
      serve(
        route,
        "chatgpt",
        ({ body }) =>
          !isRecord(body) ? detail("Request body must be a JSON object") : route === "compact"
            ? http(200, compacted(body))
            : isCompactionRequest(body)
            ? compactionReply(body)
            : withinContext(body, catalog, defaultReply),
        ({ body }) =>
          route === "compact" && options.legacyCompaction !== true
            ? http(404, {
              detail:
                "Not Found: POST /responses/compact is retired; compact with a compaction_trigger item on /responses"
            })
            : breach(route, body, served())
      )

    const found = (value: unknown, what: string): Reply =>
      value === undefined ? http(404, { detail: `${what} not found` }) : http(200, value)

    const taskRoute = (answer: (params: Readonly<Record<string, string | undefined>>) => Reply) =>
      serve("tasks", "chatgpt", ({ params }) => answer(params))

    const fromIssuer = (reply: IssuerReply) =>
      typeof reply.body === "string"
        ? HttpServerResponse.text(reply.body, { status: reply.status, headers: { ...reply.headers } })
        : HttpServerResponse.unsafeJson(reply.body, { status: reply.status, headers: { ...reply.headers } })

    /** An issuer route: recorded, scriptable (`token`), answered by the issuer. */
    const issuerRoute = (
      answer: (request: HttpServerRequest.HttpServerRequest, raw: string) => IssuerReply,
      route?: Route
    ) =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const bytes = yield* readCapped(request, maxBody)
        if (bytes === undefined) return tooLarge(request)
        const raw = new TextDecoder().decode(bytes)
        yield* record(
          { method: request.method, path: request.url, headers: request.headers, body: raw },
          bytes.byteLength
        )
        if (route !== undefined) {
          const scripted = yield* next(route)
          if (scripted !== undefined) return logged(request, redactIssuerBody(raw), scripted)
        }
        const reply = answer(request, raw)
        options.onRequest?.({
          method: request.method,
          path: request.url,
          status: reply.status,
          body: redactIssuerBody(raw)
        })
        return fromIssuer(reply)
      })

    const router = HttpRouter.empty.pipe(
      HttpRouter.post("/backend-api/codex/responses", responsesRoute("responses")),
      HttpRouter.post("/backend-api/codex/responses/compact", responsesRoute("compact")),
      HttpRouter.post("/api/codex/responses", responsesRoute("responses")),
      HttpRouter.post("/api/codex/responses/compact", responsesRoute("compact")),
      HttpRouter.get(
        "/backend-api/codex/models",
        serve(
          "models",
          "chatgpt",
          ({ query }) =>
            http(200, { models: Catalog.forClient(catalog, query.get("client_version") ?? "0.0.0") }, {
              etag: modelsEtag
            }),
          ({ query }) =>
            /^\d+\.\d+\.\d+$/.test(query.get("client_version") ?? "")
              ? undefined
              : detail("client_version must be MAJOR.MINOR.PATCH")
        )
      ),
      HttpRouter.post(
        "/backend-api/codex/realtime/calls",
        serve("realtime", "chatgpt", ({ body }) => {
          const offer = typeof body === "string" ? body : isRecord(body) ? String(body["sdp"]) : ""
          calls += 1
          return http(201, Realtime.sdpAnswer(offer), {
            "content-type": "application/sdp",
            location: `/v1/realtime/calls/rtc_emulated${calls}?intent=quicksilver`
          })
        }, ({ body, contentType, query }) => {
          if (contentType.startsWith("application/sdp")) {
            return typeof body === "string" && body.trim() !== "" ? undefined : detail("The SDP offer is empty")
          }
          if (query.get("intent") !== "quicksilver") return detail("The JSON form needs ?intent=quicksilver")
          const problem = Realtime.realtimeSessionError(body)
          return problem === undefined ? undefined : detail(problem)
        })
      ),
      HttpRouter.post(
        "/v1/embeddings",
        serve("embeddings", "api", ({ body }) => {
          const result = isRecord(body) ? Api.embeddings(body) : "the body must be a JSON object"
          return typeof result === "string"
            ? http(400, { error: { type: "invalid_request_error", message: result } })
            : http(200, result)
        })
      ),
      HttpRouter.post(
        "/v1/audio/transcriptions",
        serve("transcriptions", "api", ({ body }) => {
          const file: UploadedFile = isRecord(body) && isUploadedFile(body["file"])
            ? body["file"]
            : { name: "?", type: "?", size: 0 }
          const text = Api.transcript(file)
          if (isRecord(body) && body["stream"] === "true") return sse(Api.transcriptEvents(text))
          return isRecord(body) && body["response_format"] === "text" ? http(200, text) : http(200, { text })
        }, ({ body, contentType }) => {
          if (!contentType.startsWith("multipart/form-data") || !isRecord(body)) {
            return http(400, { error: { type: "invalid_request_error", message: "Expected multipart/form-data" } })
          }
          if (!isUploadedFile(body["file"])) {
            return http(400, { error: { type: "invalid_request_error", message: "'file' is required", param: "file" } })
          }
          if (typeof body["model"] !== "string") {
            return http(400, {
              error: { type: "invalid_request_error", message: "'model' is required", param: "model" }
            })
          }
          const format = body["response_format"]
          return format === undefined || format === "json" || format === "text"
            ? undefined
            : http(400, {
              error: {
                type: "invalid_request_error",
                message: `response_format '${String(format)}' is not supported`,
                param: "response_format"
              }
            })
        })
      ),
      HttpRouter.get("/backend-api/wham/usage", serve("usage", "chatgpt", () => http(200, Wham.usage(Date.now())))),
      HttpRouter.get(
        "/backend-api/wham/tasks/list",
        serve("tasks", "chatgpt", ({ query }) => http(200, Wham.taskList(query)))
      ),
      HttpRouter.get(
        "/backend-api/wham/tasks/:taskId",
        taskRoute((p) => found(Wham.taskDetail(p["taskId"] ?? ""), "Task"))
      ),
      HttpRouter.get(
        "/backend-api/wham/tasks/:taskId/turns",
        taskRoute((p) => found(Wham.taskTurns(p["taskId"] ?? ""), "Task"))
      ),
      HttpRouter.get(
        "/backend-api/wham/tasks/:taskId/turns/:turnId/sibling_turns",
        taskRoute((p) => found(Wham.siblingTurns(p["taskId"] ?? "", p["turnId"] ?? ""), "Turn"))
      ),
      HttpRouter.get(
        "/backend-api/wham/environments",
        serve("environments", "chatgpt", () => http(200, Wham.environments))
      ),
      HttpRouter.get("/backend-api/memories", serve("memories", "chatgpt", () => http(200, Wham.memories))),
      HttpRouter.get(
        "/backend-api/user_system_messages",
        serve("userSystemMessages", "chatgpt", () => http(200, Wham.userSystemMessages))
      )
    ).pipe(
      // The routes a Codex CLI turn touches (§12.4).
      HttpRouter.get(
        "/backend-api/wham/accounts/check",
        serve("client", "chatgpt", ({ headers }) =>
          http(
            200,
            ClientRoutes.accountsCheck(headers["chatgpt-account-id"] ?? "", planOf(headers["authorization"] ?? ""))
          ))
      ),
      HttpRouter.get(
        "/backend-api/wham/settings/user",
        serve("client", "chatgpt", () => http(200, ClientRoutes.userSettings))
      ),
      HttpRouter.get(
        "/backend-api/ps/plugins/installed",
        serve("client", "chatgpt", () => http(200, ClientRoutes.noPlugins))
      ),
      HttpRouter.get(
        "/backend-api/ps/plugins/suggested/codex",
        serve("client", "chatgpt", () => http(200, ClientRoutes.noPlugins))
      ),
      HttpRouter.post(
        "/backend-api/ps/mcp",
        serve("client", "open", ({ body }) => {
          const answer = ClientRoutes.mcp(body)
          return answer === undefined ? http(202, "") : http(200, answer)
        })
      ),
      HttpRouter.post("/backend-api/codex/analytics-events/events", serve("client", "chatgpt", () => http(202, "")))
    ).pipe(
      HttpRouter.get(
        "/oauth/authorize",
        issuerRoute((request) => issuer.authorize(new URL(request.url, url).searchParams))
      ),
      HttpRouter.post(
        "/oauth/token",
        issuerRoute((request, raw) => issuer.token(request.headers["content-type"] ?? "", raw), "token")
      ),
      HttpRouter.post("/oauth/revoke", issuerRoute((_, raw) => issuer.revoke(raw))),
      HttpRouter.post("/api/accounts/deviceauth/usercode", issuerRoute(() => issuer.userCode())),
      HttpRouter.post("/api/accounts/deviceauth/token", issuerRoute((_, raw) => issuer.deviceToken(raw))),
      HttpRouter.all("*", notFound)
    )
    const hosts = loopbackHosts(address.port)
    yield* server.serve(Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      if (hosts.has((request.headers["host"] ?? "").toLowerCase())) return router
      options.onRequest?.({ method: request.method, path: request.url, status: 421, body: undefined })
      return Effect.succeed(HttpServerResponse.unsafeJson(misdirected, { status: 421 }))
    }))
    const clock = yield* Effect.clock
    const webSocket = WebSocket.serve(nodeServer, url, {
      refuse: (headers) =>
        (hosts.has((headers["host"] ?? "").toLowerCase()) ? undefined : http(421, misdirected)) ??
          unauthorized(headers, "chatgpt") ?? Effect.runSync(nextIf("responses", (reply) =>
            reply._tag === "Http" && reply.status >= 400)),
      answer: (body) =>
        breach("responses", body, served()) ?? Effect.runSync(next("responses")) ??
          (isCompactionRequest(body) ? compactionReply(body) : withinContext(body, catalog, defaultReply)),
      etag: () => modelsEtag,
      record: (request, status) => {
        keep(request, 0)
        options.onRequest?.({ method: request.method, path: request.path, status, body: request.body })
      },
      now: () => clock.unsafeCurrentTimeMillis()
    })
    yield* Effect.addFinalizer(() => Effect.sync(webSocket.close))
    const sockets = webSocket.stats

    const service: Service = {
      url,
      config: {
        codexBaseUrl: `${url}/backend-api/codex`,
        chatgptBaseUrl: `${url}/backend-api`,
        openaiBaseUrl: `${url}/v1`,
        authIssuer: url
      },
      script: (...replies) => Ref.update(scripts, (all) => ({ ...all, responses: [...all.responses, ...replies] })),
      scriptRoute: (route, ...replies) =>
        Ref.update(scripts, (all) => ({ ...all, [route]: [...all[route], ...replies] })),
      setModels: (options) =>
        Effect.sync(() => {
          catalog = options.models ?? catalog
          modelsEtag = options.etag
        }),
      requests: Effect.sync(() => recorded.slice()),
      abortedStreams: Effect.map(Ref.get(aborted), (n) => n + sockets.interrupted),
      sockets: Effect.sync(() => ({ ...sockets })),
      issuer: {
        issue: (ttl) => Effect.sync(() => issuer.issue(ttl)),
        refreshRequests: Effect.sync(() => issuer.refreshRequests),
        revocations: Effect.sync(() => issuer.revocations)
      },
      reset: Effect.all([
        Ref.set(scripts, noScripts()),
        Effect.sync(() => {
          catalog = Catalog.models
          modelsEtag = "\"catalog-1\""
        }),
        Effect.sync(() => {
          recorded.splice(0)
          recordedSizes.splice(0)
          recordedBytes = 0
        }),
        Effect.sync(() => Object.assign(sockets, { opened: 0, interrupted: 0, pongs: 0 })),
        Ref.set(aborted, 0)
      ], { discard: true })
    }
    return service
  })

/**
 * The `Host` values the emulator answers: its loopback names with its port. Any other
 * (a DNS-rebinding page whose name resolves to 127.0.0.1) is refused with 421, so a web
 * page cannot drive a running emulator.
 */
const loopbackHosts = (port: number) => new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`])

const misdirected = {
  detail: "Misdirected request: the emulator answers only Host 127.0.0.1, localhost or [::1] with its port"
}

/** The body of a request, at most `max` bytes; `undefined` when it is larger (not kept). */
const readCapped = (request: HttpServerRequest.HttpServerRequest, max: number) =>
  Effect.suspend(() => {
    if (Number(request.headers["content-length"] ?? 0) > max) return Effect.succeed(undefined)
    const chunks: Array<Uint8Array> = []
    let size = 0
    // Past the cap the rest is read and dropped (stopping the stream would destroy the socket before the 413).
    return Stream.runForEach(request.stream, (chunk) =>
      Effect.sync(() => {
        size += chunk.byteLength
        if (size <= max) chunks.push(chunk)
        else chunks.length = 0
      })).pipe(
        Effect.orElse(() => Effect.void),
        Effect.map(() => {
          if (size > max) return undefined
          const bytes = new Uint8Array(size)
          let at = 0
          for (const chunk of chunks) {
            bytes.set(chunk, at)
            at += chunk.byteLength
          }
          return bytes.buffer
        })
      )
  })

/** The claims of a JWT-shaped token (empty when it is not one). */
const claimsOf = (token: string): Readonly<Record<string, unknown>> => {
  const payload = token.split(".")[1]
  if (payload === undefined) return {}
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"))
    return isRecord(claims) ? claims : {}
  } catch {
    return {}
  }
}

/** The default token check: non-empty, and not past its `exp` (when it is a JWT with one). */
const unexpired = (token: string): boolean => {
  if (token === "") return false
  const exp = claimsOf(token)["exp"]
  return typeof exp !== "number" || exp * 1000 > Date.now()
}

/** The plan of the bearer token's account (§2.8), `plus` when it names none. */
const planOf = (authorization: string): string => {
  const auth = claimsOf(authorization.replace(/^Bearer /, ""))["https://api.openai.com/auth"]
  return isRecord(auth) && typeof auth["chatgpt_plan_type"] === "string" ? auth["chatgpt_plan_type"] : "plus"
}

/**
 * The emulator as a layer (listening on 127.0.0.1 for the layer's lifetime).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<CodexEmulator, HttpServerError.ServeError> =>
  Layer.scoped(CodexEmulator, make(options))

/**
 * A JWT-shaped token (unsigned) with the given claims, as the emulator and tests use.
 *
 * @since 0.1.0
 * @category utils
 */
export const fakeJwt = (claims: Readonly<Record<string, unknown>>): string => jwt({ ...claims })

/**
 * The transports `layerClient` can run over.
 *
 * @since 0.1.0
 * @category models
 */
export type TransportName = "undici" | "http-client"

/**
 * The transport layer for a name (default: `"undici"`).
 *
 * @since 0.1.0
 * @category layers
 */
export const transportLayer = (name: TransportName = "undici"): Layer.Layer<CodexTransport.CodexTransport> =>
  name === "http-client"
    ? CodexTransport.layerHttpClient.pipe(Layer.provide(NodeHttpClient.layerUndici))
    : CodexTransport.layerUndici

const transportOf = (
  option: TransportName | Layer.Layer<CodexTransport.CodexTransport> | undefined
): Layer.Layer<CodexTransport.CodexTransport> =>
  option === undefined || typeof option === "string" ? transportLayer(option) : option

/**
 * The emulator plus the whole live client stack pointed at it. By default requests are
 * signed with a fake token for the account `acct_emulated`; `auth` provides other
 * credentials, and `codexHome` runs the real credential stack instead (an `auth.json` in
 * that directory, kept fresh by `CodexAuth.layer` against the emulated issuer). `config`
 * overrides any `CodexConfig` option.
 *
 * `transport` picks the `CodexTransport`: `"undici"` (`CodexTransport.layerUndici`, the
 * default) or `"http-client"` (`CodexTransport.layerHttpClient` over
 * `NodeHttpClient.layerUndici`). A layer is used as it is (e.g. `layerHttpClient` over a
 * client with middleware). `config: { transport: "websocket" }` sends `/responses` over
 * the WebSocket route. The layer reads no environment variable: a test suite that runs
 * over several transports passes its choice in.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerClient = (
  options: Options & {
    readonly transport?: TransportName | Layer.Layer<CodexTransport.CodexTransport>
    readonly config?: CodexConfig.Options
    readonly auth?: Layer.Layer<CodexAuth.CodexAuth>
    readonly codexHome?: string
  } = {}
): Layer.Layer<
  | CodexEmulator
  | CodexClient.Services
  | CodexConfig.CodexConfig
  | CodexAuth.CodexAuth
  | TokenStore.TokenStore
  | HttpClient.HttpClient
  | CodexTransport.CodexTransport,
  HttpServerError.ServeError | ConfigError.ConfigError
> => {
  const config = Layer.unwrapEffect(
    Effect.map(CodexEmulator, (emulator) =>
      CodexConfig.layer({
        ...emulator.config,
        ...(options.codexHome === undefined ? {} : { codexHome: options.codexHome }),
        ...options.config
      }))
  )
  const base = Layer.mergeAll(config, NodeHttpClient.layerUndici, transportOf(options.transport))
  const credentials = options.codexHome !== undefined
    ? CodexAuth.layer().pipe(Layer.provideMerge(TokenStore.layerFile()), Layer.provideMerge(base))
    : Layer.mergeAll(
      options.auth ?? CodexAuth.layerTokens({
        accessToken: fakeJwt({
          exp: 4102444800,
          "https://api.openai.com/auth": { chatgpt_account_id: "acct_emulated", chatgpt_plan_type: "plus" }
        })
      }),
      TokenStore.layerMemory(),
      base
    )
  return CodexClient.layerServices.pipe(Layer.provideMerge(credentials), Layer.provideMerge(layer(options)))
}
