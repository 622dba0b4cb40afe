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
import type * as HttpServerError from "@effect/platform/HttpServerError"
import type { ConfigError } from "effect"
import { Context, Effect, Layer } from "effect"
import * as Http from "node:http"
import * as CodexAuth from "./CodexAuth.js"
import * as CodexClient from "./CodexClient.js"
import * as CodexConfig from "./CodexConfig.js"
import * as CodexTransport from "./CodexTransport.js"
import * as Events from "./internal/emulator/events.js"
import type { IssuerOptions } from "./internal/emulator/issuer.js"
import { Issuer, jwt } from "./internal/emulator/issuer.js"
import * as Replies from "./internal/emulator/replies.js"
import * as Routes from "./internal/emulator/routes.js"
import { State } from "./internal/emulator/state.js"
import * as WebSocket from "./internal/emulator/websocket.js"
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
    const state = new State(options.maxRecorded)
    const issuer = new Issuer(url, options)
    const routes = Routes.make({ url, port: address.port, options, state, issuer })
    yield* server.serve(routes.app)
    const clock = yield* Effect.clock
    const webSocket = WebSocket.serve(nodeServer, url, routes.webSocket(() => clock.unsafeCurrentTimeMillis()))
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
      script: (...replies) => Effect.sync(() => state.script("responses", replies)),
      scriptRoute: (route, ...replies) => Effect.sync(() => state.script(route, replies)),
      setModels: (options) =>
        Effect.sync(() => {
          state.catalog = options.models ?? state.catalog
          state.modelsEtag = options.etag
        }),
      requests: Effect.sync(() => state.recorded.slice()),
      abortedStreams: Effect.sync(() => state.aborted + sockets.interrupted),
      sockets: Effect.sync(() => ({ ...sockets })),
      issuer: {
        issue: (ttl) => Effect.sync(() => issuer.issue(ttl)),
        refreshRequests: Effect.sync(() => issuer.refreshRequests),
        revocations: Effect.sync(() => issuer.revocations)
      },
      reset: Effect.sync(() => {
        state.reset()
        Object.assign(sockets, { opened: 0, interrupted: 0, pongs: 0 })
      })
    }
    return service
  })

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
  const base = Layer.merge(config, transportOf(options.transport))
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
