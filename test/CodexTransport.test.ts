import { HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Fiber, Layer, Option, Redacted, Stream, Supervisor } from "effect"
import * as Http from "node:http"
import * as Net from "node:net"
import type * as Emulator from "../src/CodexEmulator.js"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { CodexConfig, CodexTransport, OAuth, Responses } from "../src/index.js"
import { readText } from "../src/internal/dispatch.js"
import { makeBackend } from "../src/internal/http.js"
import * as TokenEndpoint from "../src/internal/tokenEndpoint.js"
import { withSpan } from "../src/internal/tracing.js"
import { joinUrl } from "../src/internal/wire.js"
import { layerClient, recordingTracer, seed, tempHome } from "./helpers.js"

const services = Effect.all({ responses: Responses.Responses, emulator: CodexEmulator.CodexEmulator })

describe("spans only when someone listens", () => {
  it.effect("under Effect's default tracer no span is made; under another, the span is there", () =>
    Effect.gen(function*() {
      const untraced = yield* withSpan("Responses.create")(Effect.currentSpan).pipe(Effect.option)
      assert.isTrue(Option.isNone(untraced))
      const names: Array<string> = []
      const traced = yield* withSpan("Responses.create")(Effect.currentSpan).pipe(
        Effect.withTracer(recordingTracer(names))
      )
      assert.strictEqual(traced.name, "Responses.create")
      assert.deepStrictEqual(names, ["Responses.create"])
    }))

  it.live("with a tracer installed, create and stream make their spans, with the same names as before", () =>
    Effect.gen(function*() {
      const { responses } = yield* services
      const names: Array<string> = []
      const tracer = recordingTracer(names)
      const response = yield* responses.create({ input: "traced" }).pipe(Effect.withTracer(tracer))
      assert.strictEqual(response.output_text, "You said: traced")
      yield* Stream.runDrain(responses.stream({ input: "traced" })).pipe(Effect.withTracer(tracer))
      assert.includeMembers(names, ["Responses.create", "Responses.stream"])
      const before = names.length
      yield* responses.create({ input: "untraced" })
      assert.strictEqual(names.length, before, "the default tracer made no span through the recorder")
    }).pipe(Effect.provide(layerClient())))
})

/** Counts the fibers started under it. */
class ForkCounter extends Supervisor.AbstractSupervisor<number> {
  count = 0
  get value() {
    return Effect.sync(() => this.count)
  }
  override onStart(): void {
    this.count++
  }
}

describe("the lean path", () => {
  it.live("create forks no fiber (no racing timer, no reader fiber)", () =>
    Effect.gen(function*() {
      const { responses } = yield* services
      yield* responses.create({ input: "warm" })
      const counter = new ForkCounter()
      const response = yield* responses.create({ input: "counted" }).pipe(Effect.supervised(counter))
      assert.strictEqual(response.output_text, "You said: counted")
      assert.strictEqual(counter.count, 0)
      // The counter does see a fork (the control).
      const control = new ForkCounter()
      yield* Effect.fork(Effect.void).pipe(Effect.supervised(control))
      assert.strictEqual(control.count, 1)
    }).pipe(Effect.provide(layerClient({ transport: "undici" }))))
})

describe("a reply nobody reads", () => {
  it.live("is aborted after requestTimeout, and a late read fails instead of waiting", () =>
    Effect.gen(function*() {
      const { emulator } = yield* services
      yield* emulator.script(CodexEmulator.sse(CodexEmulator.textEvents("never read").slice(0, 3), { ending: "stall" }))
      const backend = yield* makeBackend
      const response = yield* backend.send({
        endpoint: "POST /responses",
        url: joinUrl(backend.config.codexBaseUrl, "responses"),
        method: "POST",
        body: { model: "gpt-5.4", instructions: "", input: [], store: false, stream: true },
        accept: "text/event-stream"
      })
      assert.strictEqual(response.status, 200)
      const before = Date.now()
      while ((yield* emulator.abortedStreams) === 0 && Date.now() - before < 3000) yield* Effect.sleep("10 millis")
      assert.strictEqual(yield* emulator.abortedStreams, 1)
      const late = yield* Effect.flip(readText(response, 1024))
      assert.strictEqual(late._tag, "StreamInterrupted")
    }).pipe(Effect.provide(layerClient({ config: { requestTimeout: Duration.millis(200) } }))))
})

/** `layerHttpClient` over undici with a middleware that marks every request it sends. */
const marked = CodexTransport.layerHttpClient.pipe(
  Layer.provide(Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, HttpClient.mapRequest(HttpClientRequest.setHeader("x-middleware", "yes")))
  )),
  Layer.provide(NodeHttpClient.layerUndici)
)

describe("layerHttpClient adapts any platform HttpClient", () => {
  it.live("one HTTP stack: the token refresh and a login's /cancel go through the transport too", () =>
    Effect.scoped(Effect.flatMap(tempHome, (dir) =>
      Effect.gen(function*() {
        const { emulator, responses } = yield* services
        yield* seed(yield* emulator.issuer.issue(-60)) // expired: the first call refreshes
        assert.strictEqual((yield* responses.create({ input: "x" })).output_text, "You said: x")
        const [refresh] = (yield* emulator.requests).filter((r) => r.path === "/oauth/token")
        assert.strictEqual(refresh?.headers["x-middleware"], "yes", "the refresh went through the transport")

        // Another login holds the callback port; `cancelExisting` asks it to stop, over the transport.
        const cancels: Array<Http.IncomingHttpHeaders> = []
        const other = Http.createServer((request, response) => {
          if (request.url === "/cancel") cancels.push(request.headers)
          response.end("Login cancelled", () => void other.close())
          other.closeAllConnections()
        })
        yield* Effect.async<void>((resume) => {
          other.listen(0, "127.0.0.1", () => resume(Effect.void))
        })
        const port = (other.address() as Net.AddressInfo).port
        const bound = yield* Deferred.make<void>()
        const login = yield* Effect.fork(
          OAuth.login({ port, openBrowser: false, cancelExisting: true, onUrl: () => Deferred.succeed(bound, void 0) })
        )
        yield* Deferred.await(bound)
        yield* Fiber.interrupt(login)
        assert.lengthOf(cancels, 1)
        assert.strictEqual(cancels[0]?.["x-middleware"], "yes", "the /cancel went through the transport")
      }).pipe(Effect.provide(CodexEmulator.layerClient({ codexHome: dir, transport: marked }))))))

  it.live("its middleware applies to every backend call", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      const response = yield* responses.create({ input: "through middleware" })
      assert.strictEqual(response.output_text, "You said: through middleware")
      const [request] = yield* emulator.requests
      assert.strictEqual(request?.headers["x-middleware"], "yes")
    }).pipe(Effect.provide(layerClient({ transport: marked }))))
})

/** A CONNECT proxy on loopback that counts the tunnels it opens (and the plain requests it gets). */
const connectProxy = Effect.acquireRelease(
  Effect.async<
    { readonly url: string; readonly tunnels: () => number; readonly plain: () => number; readonly server: Http.Server }
  >((resume) => {
    let tunnels = 0
    let plain = 0
    const server = Http.createServer((_request, response) => {
      plain++
      response.writeHead(405)
      response.end()
    })
    server.on("connect", (request: Http.IncomingMessage, client: Net.Socket, head: Buffer) => {
      tunnels++
      const [host, port] = (request.url ?? "").split(":")
      const upstream = Net.connect(Number(port), host ?? "127.0.0.1", () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n")
        if (head.length > 0) upstream.write(head)
        upstream.pipe(client)
        client.pipe(upstream)
      })
      upstream.on("error", () => client.destroy())
      client.on("error", () => upstream.destroy())
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, tunnels: () => tunnels, plain: () => plain, server }))
    })
  }),
  ({ server }) =>
    Effect.async<void>((resume) => {
      server.closeAllConnections()
      server.close(() => resume(Effect.void))
    })
)

/** Sets environment variables for the scope, and puts the old values back after it. */
const withEnv = (vars: Readonly<Record<string, string | undefined>>) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const saved: Record<string, string | undefined> = {}
      for (const [name, value] of Object.entries(vars)) {
        saved[name] = process.env[name]
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
      }
      return saved
    }),
    (saved) =>
      Effect.sync(() => {
        for (const [name, value] of Object.entries(saved)) {
          if (value === undefined) delete process.env[name]
          else process.env[name] = value
        }
      })
  )

const proxyVars = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"]
const clearedProxyVars = Object.fromEntries(proxyVars.map((name) => [name, undefined]))

const askThrough = (options: Emulator.Options & { readonly transport: Emulator.TransportName }) =>
  Effect.gen(function*() {
    const { responses } = yield* services
    const response = yield* responses.create({ input: "via proxy?" })
    assert.strictEqual(response.output_text, "You said: via proxy?")
    const streamed = yield* Stream.runCount(responses.stream({ input: "streamed" }))
    assert.isAbove(streamed, 3)
  }).pipe(Effect.provide(layerClient(options)))

describe("the default transport honours HTTP_PROXY / HTTPS_PROXY / NO_PROXY", () => {
  // An https base through the proxy: the tunnel opens (the emulator then speaks no TLS, so the call fails).
  const httpsThrough = Effect.gen(function*() {
    const emulator = yield* CodexEmulator.make()
    return yield* Effect.flatMap(
      Responses.Responses,
      (responses) => Effect.flip(responses.create({ input: "via proxy?" }))
    ).pipe(
      Effect.provide(
        layerClient({
          transport: "undici",
          config: { codexBaseUrl: `https://127.0.0.1:${new URL(emulator.url).port}/backend-api/codex`, maxRetries: 0 }
        })
      )
    )
  })

  it.scoped("HTTP_PROXY (or HTTPS_PROXY): an https base goes through a CONNECT tunnel of the proxy", () =>
    Effect.gen(function*() {
      for (const name of ["HTTP_PROXY", "HTTPS_PROXY"]) {
        const proxy = yield* connectProxy
        yield* withEnv({ ...clearedProxyVars, [name]: proxy.url })
        yield* httpsThrough
        assert.strictEqual(proxy.tunnels(), 1, name)
      }
    }))

  it.scoped("NO_PROXY: a listed host is reached directly", () =>
    Effect.gen(function*() {
      const proxy = yield* connectProxy
      yield* withEnv({ ...clearedProxyVars, HTTPS_PROXY: proxy.url, NO_PROXY: "127.0.0.1" })
      yield* httpsThrough
      assert.strictEqual(proxy.tunnels(), 0)
    }))

  it.scoped("a plain-http base never goes through a proxy: the bearer would travel in the clear to it", () =>
    Effect.gen(function*() {
      const proxy = yield* connectProxy
      yield* withEnv({ ...clearedProxyVars, HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url })
      yield* askThrough({ transport: "undici" })
      assert.strictEqual(proxy.tunnels(), 0)
      assert.strictEqual(proxy.plain(), 0)
    }))

  it.scopedLive("a proxy that drops every CONNECT gets one connection per attempt of the retry policy, then a typed error", () =>
    Effect.gen(function*() {
      let connections = 0
      const dropper = Net.createServer((socket) => {
        connections++
        socket.destroy()
      })
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => void dropper.listen(0, "127.0.0.1", () => resume(Effect.void))),
        () => Effect.async<void>((resume) => void dropper.close(() => resume(Effect.void)))
      )
      const address = dropper.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      yield* withEnv({ ...clearedProxyVars, HTTPS_PROXY: `http://127.0.0.1:${port}` })
      const error = yield* Effect.flatMap(
        Responses.Responses,
        (responses) => Effect.flip(responses.create({ input: "hi" }))
      ).pipe(
        Effect.provide(layerClient({
          transport: "undici",
          config: {
            codexBaseUrl: "https://127.0.0.1:9/backend-api/codex",
            maxRetries: 2,
            retryBaseDelay: Duration.millis(5)
          }
        })),
        Effect.timeout(Duration.seconds(5))
      )
      assert.strictEqual(error._tag, "TransportError")
      yield* Effect.sleep(Duration.millis(50))
      assert.strictEqual(connections, 3, "maxRetries 2: three attempts, no reconnect loop")
    }))

  it.scopedLive("a refresh whose proxy drops the CONNECT is a RefreshFailed that keeps the refresh token usable", () =>
    Effect.gen(function*() {
      const dropper = Net.createServer((socket) => socket.destroy())
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => void dropper.listen(0, "127.0.0.1", () => resume(Effect.void))),
        () => Effect.async<void>((resume) => void dropper.close(() => resume(Effect.void)))
      )
      const port = (dropper.address() as Net.AddressInfo).port
      yield* withEnv({ ...clearedProxyVars, HTTPS_PROXY: `http://127.0.0.1:${port}` })
      const config = yield* CodexConfig.make({ authIssuer: "https://127.0.0.1:9" })
      const error = yield* Effect.flip(TokenEndpoint.refresh(config, Redacted.make("rt_never_sent"))).pipe(
        Effect.provide(CodexTransport.layerUndici),
        Effect.timeout(Duration.seconds(5))
      )
      assert.strictEqual(error._tag, "RefreshFailed")
      assert.isFalse(
        error._tag === "RefreshFailed" && TokenEndpoint.isUnanswered(error),
        "nothing reached the issuer: the refresh token is not retired"
      )
    }))

  it.scoped("without the variables: no proxy", () =>
    Effect.gen(function*() {
      const proxy = yield* connectProxy
      yield* withEnv(clearedProxyVars)
      yield* askThrough({ transport: "undici" })
      assert.strictEqual(proxy.tunnels(), 0)
    }))
})
