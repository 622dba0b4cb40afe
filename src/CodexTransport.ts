/**
 * The HTTP transport every backend call goes through: send a request, get its status and
 * headers, then read its body chunk by chunk — without an Effect `Stream` per reply.
 *
 * Two layers provide it:
 *
 * - `layerUndici` (the default of `CodexClient.layer` and `CodexEmulator.layerClient`):
 *   undici's `Dispatcher.dispatch`, the cheapest HTTP client in Node. Its dispatcher is an
 *   `EnvHttpProxyAgent`, so `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` are honoured.
 *   `layerDispatcher` takes any undici `Dispatcher` (a `ProxyAgent`, a `MockAgent`, a pool
 *   with other limits).
 * - `layerHttpClient`: any `@effect/platform` `HttpClient` (fetch, node:http, a client
 *   with middleware, a test double), slower but everything the platform offers.
 *
 * The interface is callback based on purpose: the SDK wraps each call in one
 * `Effect.async`, with one timer for the headers and idle timeouts, so a small request
 * pays for no fiber, no `Stream` and no error object on its success path.
 *
 * @since 0.1.0
 */
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Cause, Context, Effect, Exit, FiberId, Layer, Option, Runtime, Scope, Stream } from "effect"
import type { Duplex } from "node:stream"
import type { buildConnector, Dispatcher, Pool } from "undici"

/**
 * One request. Header names are lower case; a `content-type` header types `body`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Request {
  readonly method: "GET" | "POST"
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body?: string | Uint8Array | undefined
}

/**
 * Receives a reply body: its chunks in order, then its end or a failure (exactly one of
 * the two, once).
 *
 * @since 0.1.0
 * @category models
 */
export interface BodySink {
  /** A chunk of the body. Returning `false` pauses the reads until `Reply.read` is called again. */
  readonly onData: (chunk: Uint8Array) => boolean
  readonly onEnd: () => void
  readonly onError: (cause: unknown) => void
}

/**
 * The head of a reply, and its body, held until read.
 *
 * @since 0.1.0
 * @category models
 */
export interface Reply {
  readonly status: number
  /** Lower-case names; repeated headers joined with `", "`. */
  readonly headers: Readonly<Record<string, string>>
  /**
   * Hands the body to `sink`, or resumes reads paused by its `onData`. Data received
   * before the first call is kept (and the connection paused) until then.
   */
  readonly read: (sink: BodySink) => void
  /**
   * Stops reading and closes the connection; nothing more reaches the current sink, and a
   * later `read` gets `onError`. No-op once the body ended.
   */
  readonly abort: () => void
}

/**
 * A connection switched to another protocol (a `101` answer to an upgrade request): the
 * 101's headers and the raw socket, which is now the caller's to read, write and close.
 *
 * @since 0.1.0
 * @category models
 */
export interface Upgraded {
  /** Lower-case names; repeated headers joined with `", "`. */
  readonly headers: Readonly<Record<string, string>>
  readonly socket: Duplex
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /**
   * Sends `request`: `onReply` is called once with the reply's head, or `onError` once
   * when the request could not be sent or answered. Returns a function that aborts the
   * request (before its head arrives; afterwards use `Reply.abort`), after which neither
   * callback is called.
   */
  readonly send: (request: Request, onReply: (reply: Reply) => void, onError: (cause: unknown) => void) => () => void
  /**
   * Sends a `GET` asking to switch to `protocol` (`"websocket"`): `onUpgrade` once with a
   * `101`, `onReply` once with any other answer (a 401, a 426...), or `onError`. Returns a
   * function that aborts it (a socket handed over later is destroyed). Absent on transports
   * that cannot hand over a socket (`layerHttpClient`): the `/responses` WebSocket then
   * uses SSE.
   */
  readonly upgrade?: (
    request: { readonly url: string; readonly headers: Readonly<Record<string, string>>; readonly protocol: string },
    onUpgrade: (upgraded: Upgraded) => void,
    onReply: (reply: Reply) => void,
    onError: (cause: unknown) => void
  ) => () => void
}

/**
 * @since 0.1.0
 * @category tags
 */
export class CodexTransport extends Context.Tag("codex-backend-sdk/CodexTransport")<CodexTransport, Service>() {}

/** How much of a body is kept before anything reads it, before the connection is paused. */
const pendingWindow = 64 * 1024

const readHeaders = (
  rawHeaders: ReadonlyArray<Buffer | string>,
  headers: Record<string, string>
): Record<string, string> => {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = String(rawHeaders[i]).toLowerCase()
    const value = String(rawHeaders[i + 1])
    const previous = headers[name]
    headers[name] = previous === undefined ? value : `${previous}, ${value}`
  }
  return headers
}

/** The state of one undici request: its dispatch handler, and its reply once the head came. */
class UndiciExchange implements Dispatcher.DispatchHandler, Reply {
  status = 0
  headers: Record<string, string> = {}
  private undiciAbort: ((error?: Error) => void) | undefined = undefined
  private undiciResume: (() => void) | undefined = undefined
  private sink: BodySink | undefined = undefined
  private pending: Array<Uint8Array> | undefined = undefined
  private pendingBytes = 0
  private paused = false
  /** 0: waiting for the head, 1: reading the body, 2: ended, failed or aborted. */
  protected state = 0
  private ended = false
  private failure: unknown = undefined

  constructor(
    private readonly onReply: (reply: Reply) => void,
    private readonly onFailure: (cause: unknown) => void
  ) {}

  onConnect(abort: (error?: Error) => void): void {
    if (this.state === 2) abort(new Error("aborted"))
    else this.undiciAbort = abort
  }

  onHeaders(statusCode: number, rawHeaders: Array<Buffer>, resume: () => void): boolean {
    if (this.state !== 0) return false
    if (statusCode < 200) return true
    this.status = statusCode
    this.undiciResume = resume
    readHeaders(rawHeaders, this.headers)
    this.state = 1
    this.onReply(this)
    return true
  }

  onData(chunk: Buffer): boolean {
    if (this.state !== 1) return false
    const sink = this.sink
    if (sink === undefined || this.pending !== undefined) {
      // Nobody reads yet: keep what came (a small reply is whole by now), and pause the
      // connection once a window's worth waits.
      ;(this.pending ??= []).push(chunk)
      this.pendingBytes += chunk.length
      if (this.pendingBytes < pendingWindow) return true
      this.paused = true
      return false
    }
    if (sink.onData(chunk)) return true
    this.paused = true
    return false
  }

  onComplete(): void {
    if (this.state !== 1) return
    const sink = this.sink
    if (sink === undefined || this.pending !== undefined) {
      this.ended = true
      return
    }
    this.state = 2
    sink.onEnd()
  }

  onError(error: Error): void {
    const state = this.state
    if (state === 2) return
    this.state = 2
    if (state === 0) return this.onFailure(error)
    const sink = this.sink
    if (sink === undefined || this.pending !== undefined) this.failure = error
    else sink.onError(error)
  }

  read(sink: BodySink): void {
    this.sink = sink
    const pending = this.pending
    if (pending !== undefined) {
      // Hand over what came before the sink, until it pauses again.
      while (pending.length > 0) {
        const chunk = pending.shift()
        if (chunk !== undefined && !sink.onData(chunk)) return
      }
      this.pending = undefined
      this.pendingBytes = 0
    }
    if (this.ended) {
      this.ended = false
      this.state = 2
      return sink.onEnd()
    }
    if (this.failure !== undefined) {
      const failure = this.failure
      this.failure = undefined
      return sink.onError(failure)
    }
    if (this.state === 1 && this.paused) {
      this.paused = false
      this.undiciResume?.()
    }
  }

  abort(): void {
    if (this.state === 2) return
    this.state = 2
    this.pending = undefined
    this.ended = false
    // A read after the abort learns that the body is gone.
    const aborted = new Error("the request was aborted")
    this.failure = aborted
    this.undiciAbort?.(aborted)
  }

  /** Before the head: abort quietly. */
  readonly cancel = (): void => {
    this.abort()
  }
}

/** An upgrade request: the socket on a 101, else the reply like any other. */
class UndiciUpgrade extends UndiciExchange {
  constructor(
    private readonly onUpgraded: (upgraded: Upgraded) => void,
    onReply: (reply: Reply) => void,
    onFailure: (cause: unknown) => void
  ) {
    super(onReply, onFailure)
  }

  onUpgrade(_statusCode: number, rawHeaders: Array<Buffer> | Array<string>, socket: Duplex): void {
    if (this.state !== 0) {
      socket.destroy()
      return
    }
    this.state = 2
    this.onUpgraded({ headers: readHeaders(rawHeaders, {}), socket })
  }
}

/**
 * A transport over an undici `Dispatcher` (`Dispatcher.dispatch`, no `Readable` per
 * reply). undici's own headers and body timeouts are turned off: the SDK's
 * `requestTimeout` and `streamIdleTimeout` govern.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeUndici = (dispatcher: Dispatcher): Service => {
  // The few URLs an SDK calls, parsed once each.
  const parsed = new Map<string, { readonly origin: string; readonly path: string }>()
  const parse = (href: string) => {
    let url = parsed.get(href)
    if (url === undefined) {
      const { origin, pathname, search } = new URL(href)
      url = { origin, path: pathname + search }
      if (parsed.size >= 256) parsed.clear()
      parsed.set(href, url)
    }
    return url
  }
  return {
    send: (request, onReply, onError) => {
      const exchange = new UndiciExchange(onReply, onError)
      let url: { readonly origin: string; readonly path: string }
      try {
        url = parse(request.url)
      } catch (error) {
        onError(error)
        return () => {}
      }
      try {
        dispatcher.dispatch({
          origin: url.origin,
          path: url.path,
          method: request.method,
          headers: request.headers,
          body: request.body ?? null,
          headersTimeout: 0,
          bodyTimeout: 0
        }, exchange)
      } catch (error) {
        onError(error)
      }
      return exchange.cancel
    },
    upgrade: (request, onUpgrade, onReply, onError) => {
      const exchange = new UndiciUpgrade(onUpgrade, onReply, onError)
      try {
        const url = parse(request.url)
        dispatcher.dispatch({
          origin: url.origin,
          path: url.path,
          method: "GET",
          headers: request.headers,
          upgrade: request.protocol,
          headersTimeout: 0,
          bodyTimeout: 0
        }, exchange)
      } catch (error) {
        onError(error)
      }
      return exchange.cancel
    }
  }
}

const proxyVariables = ["https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"]

/**
 * A proxy tunnel whose socket closed during `CONNECT` fails the request. undici counts that
 * error (`UND_ERR_SOCKET`) as recoverable and reconnects at once, without bound (a proxy
 * that drops every CONNECT drew thousands of connections a second for one request); as a
 * plain connection error it fails the attempt, and the SDK's retry policy, with its
 * backoff, decides whether to try again.
 */
const failingTunnel = (connect: buildConnector.connector): buildConnector.connector => (options, callback) =>
  connect(options, (error, socket) => {
    if (error !== null && (error as { code?: unknown }).code === "UND_ERR_SOCKET") {
      // Nothing reached the server: a token request failing so did not spend its refresh token.
      const unsent = Object.assign(new Error("no tunnel to the server, nothing was sent", { cause: error }), {
        code: "EPROXYTUNNEL"
      })
      const failed = new Error(`the proxy closed the connection while opening a tunnel: ${error.message}`, {
        cause: unsent
      })
      return callback(Object.assign(failed, { code: "ECONNRESET" }), null)
    }
    return callback(error, socket as never)
  })

/**
 * The default dispatcher: an undici `EnvHttpProxyAgent` (a plain `Agent` unless
 * `HTTPS_PROXY` / `HTTP_PROXY` are set; `NO_PROXY` lists the hosts reached directly),
 * closed with the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeDispatcher: Effect.Effect<Dispatcher, never, Scope.Scope> = Effect.acquireRelease(
  // undici is loaded when the layer is built, not when this package is imported.
  Effect.map(Effect.promise(() => import("undici")), (undici): Dispatcher => {
    const options = { headersTimeout: 0, bodyTimeout: 0 }
    // With no proxy configured, the agent it would route to directly (one URL parse less per request).
    const proxy = proxyVariables.map((name) => process.env[name] ?? "").find((value) => value !== "")
    if (proxy === undefined) return new undici.Agent(options)
    return new undici.EnvHttpProxyAgent({
      ...options,
      // Plain http never goes through a proxy: the bearer would travel in the clear to it.
      httpProxy: "",
      httpsProxy: proxy,
      factory: (origin: string | URL, poolOptions: Pool.Options) => {
        const connect = poolOptions.connect
        return new undici.Pool(
          origin,
          typeof connect === "function" ? { ...poolOptions, connect: failingTunnel(connect) } : poolOptions
        )
      }
    })
  }),
  (agent) => Effect.promise(() => agent.destroy())
)

/**
 * The transport over a dispatcher of your own (closing it is yours).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerDispatcher = (dispatcher: Dispatcher): Layer.Layer<CodexTransport> =>
  Layer.succeed(CodexTransport, makeUndici(dispatcher))

/**
 * The default transport: undici, through an `EnvHttpProxyAgent` (`HTTPS_PROXY`,
 * `HTTP_PROXY` and `NO_PROXY` are read when the layer is built).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerUndici: Layer.Layer<CodexTransport> = Layer.scoped(
  CodexTransport,
  Effect.map(makeDispatcher, makeUndici)
)

/** One request over a platform client: its fiber, then its body pulled chunk by chunk. */
class HttpClientExchange implements Reply {
  status = 0
  headers: Readonly<Record<string, string>> = {}
  private sink: BodySink | undefined = undefined
  private reading = false
  private done = false
  private aborted = false
  private pull: Effect.Effect<ReadonlyArray<Uint8Array>, Option.Option<unknown>> | undefined = undefined

  constructor(private readonly runtime: Runtime.Runtime<never>, private readonly scope: Scope.CloseableScope) {}

  started(
    response: HttpClientResponse.HttpClientResponse,
    pull: Effect.Effect<ReadonlyArray<Uint8Array>, Option.Option<unknown>>
  ): void {
    this.status = response.status
    this.headers = response.headers
    this.pull = pull
  }

  read(sink: BodySink): void {
    this.sink = sink
    if (this.aborted) return sink.onError(new Error("the request was aborted"))
    if (!this.reading && !this.done) this.next()
  }

  private next(): void {
    const pull = this.pull
    if (pull === undefined) return
    this.reading = true
    Runtime.runCallback(this.runtime)(pull, {
      onExit: (exit) => {
        this.reading = false
        const sink = this.sink
        if (this.done || sink === undefined) return
        if (Exit.isSuccess(exit)) {
          let more = true
          for (const chunk of exit.value) more = sink.onData(chunk) && more
          if (more && !this.done) this.next()
          return
        }
        this.finish()
        const failure = Cause.failureOption(exit.cause)
        if (Option.isNone(failure)) sink.onError(Cause.squash(exit.cause))
        else if (Option.isNone(failure.value)) sink.onEnd()
        else sink.onError(failure.value.value)
      }
    })
  }

  private finish(): void {
    this.done = true
    Runtime.runFork(this.runtime)(Scope.close(this.scope, Exit.void))
  }

  abort(): void {
    if (this.done) return
    this.aborted = true
    this.finish()
  }
}

const platformRequest = (request: Request): HttpClientRequest.HttpClientRequest => {
  const { "content-type": contentType, ...headers } = request.headers
  let out = request.method === "GET" ? HttpClientRequest.get(request.url) : HttpClientRequest.post(request.url)
  out = HttpClientRequest.setHeaders(out, headers)
  const body = request.body
  if (body !== undefined) {
    out = HttpClientRequest.setBody(
      out,
      typeof body === "string" ? HttpBody.text(body, contentType) : HttpBody.uint8Array(body, contentType)
    )
  }
  return out
}

/**
 * A transport over any `@effect/platform` `HttpClient` (its middleware, retries or spans
 * apply; trace headers are not propagated to the backend).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeHttpClient: Effect.Effect<Service, never, HttpClient.HttpClient> = Effect.gen(function*() {
  // `withScope`: closing the exchange's scope aborts the request, read or not.
  const client = (yield* HttpClient.HttpClient).pipe(HttpClient.withTracerPropagation(false), HttpClient.withScope)
  const runtime = yield* Effect.runtime<never>()
  const runFork = Runtime.runFork(runtime)
  const service: Service = {
    send: (request, onReply, onError) => {
      const scope = Effect.runSync(Scope.make())
      const exchange = new HttpClientExchange(runtime, scope)
      let settled = false
      const fiber = runFork(
        Effect.flatMap(client.execute(platformRequest(request)), (response) =>
          Effect.map(
            Stream.toPull(response.stream),
            (pull) => exchange.started(response, Effect.map(pull, (chunk) => Array.from(chunk)))
          )).pipe(Scope.extend(scope))
      )
      fiber.addObserver((exit) => {
        if (settled) return
        settled = true
        if (Exit.isSuccess(exit)) return onReply(exchange)
        runFork(Scope.close(scope, Exit.void))
        onError(Cause.squash(exit.cause))
      })
      return () => {
        if (settled) return
        settled = true
        fiber.unsafeInterruptAsFork(FiberId.none)
        runFork(Scope.close(scope, Exit.void))
      }
    }
  }
  return service
})

/**
 * The transport over the `HttpClient` in the context, e.g.
 * `CodexTransport.layerHttpClient.pipe(Layer.provide(NodeHttpClient.layerUndici))`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerHttpClient: Layer.Layer<CodexTransport, never, HttpClient.HttpClient> = Layer.effect(
  CodexTransport,
  makeHttpClient
)
