/**
 * Regression tests of issue 9 (hardening): no token in any error or log, https only, bounded
 * buffers, the login surface, bad input up front, the request deadline. The cross-process
 * lock is tested in `crossProcess.test.ts`.
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as TokenEndpoint from "../src/internal/tokenEndpoint.js"
import { assert, describe, it } from "@effect/vitest"
import { NodeHttpClient } from "@effect/platform-node"
import { Cause, Chunk, Clock, ConfigProvider, Deferred, Duration, Effect, Exit, Fiber, Layer, Logger, LogLevel, Redacted, Stream, TestClock } from "effect"
import * as NodeCrypto from "node:crypto"
import * as NodeFs from "node:fs/promises"
import * as Http from "node:http"
import * as NodeChild from "node:child_process"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import * as NodeUtil from "node:util"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { CodexAuth, CodexConfig, CodexError, OAuth, Responses, TokenStore } from "../src/index.js"
import { tempHome } from "./helpers.js"

/** A loopback HTTP server for the scope; answers with `handler`. */
const serve = (handler: (request: Http.IncomingMessage, body: string, response: Http.ServerResponse) => void, host = "127.0.0.1") =>
  Effect.acquireRelease(
    Effect.async<{ readonly server: Http.Server; readonly url: string; readonly port: number }>((resume) => {
      const server = Http.createServer((request, response) => {
        let body = ""
        request.on("data", (d) => (body += d))
        request.on("end", () => handler(request, body, response))
      })
      server.listen(0, host, () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(Effect.succeed({ server, port, url: `http://${host.includes(":") ? `[${host}]` : host}:${port}` }))
      })
    }),
    ({ server }) =>
      Effect.promise(() =>
        new Promise<void>((r) => {
          server.closeAllConnections()
          server.close(() => r())
        })
      )
  )

const sseEvent = (event: Record<string, unknown>) => `event: ${String(event["type"])}\ndata: ${JSON.stringify(event)}\n\n`

/** Every string form of an error a program may print. */
const forms = (error: unknown): Array<string> => [
  error instanceof Error ? error.message : "",
  String(error),
  JSON.stringify(error),
  NodeUtil.inspect(error, { depth: 30 }),
  Cause.pretty(Cause.fail(error))
]

const capture = (lines: Array<string>) =>
  Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ cause, message }) => void lines.push(`${NodeUtil.inspect(message, { depth: 10 })} ${Cause.pretty(cause)}`))
  )

describe("1. a token a server echoes back reaches no error and no log", () => {
  it.live("500/400/403 bodies, in-stream error and response.failed, a 200 that is not SSE, a malformed event: every form is clean", () =>
    Effect.scoped(Effect.gen(function*() {
      const refreshToken = `rt_${NodeCrypto.randomBytes(24).toString("base64url")}`
      const accessToken = CodexEmulator.fakeJwt({
        exp: Math.floor(Date.now() / 1000) + 120, // stale (within the 5-minute margin), not expired
        secret: NodeCrypto.randomBytes(16).toString("hex"),
        "https://api.openai.com/auth": { chatgpt_account_id: "acct_echo" }
      })
      const payload = accessToken.split(".")[1] ?? accessToken
      let mode = ""
      const { url } = yield* serve((request, body, response) => {
        const auth = request.headers["authorization"] ?? ""
        if (request.url === "/oauth/token") {
          // echoes the refresh grant it received, raw and inside JSON
          response.writeHead(400, { "content-type": "application/json" })
          return response.end(JSON.stringify({ error: { message: `bad grant ${body}; token ${JSON.parse(body).refresh_token}` } }))
        }
        switch (mode) {
          case "500":
            response.writeHead(500, { "content-type": "text/plain" })
            return response.end(`upstream failed; request headers: Authorization: ${auth}\nbody: ${body}`)
          case "400":
            response.writeHead(400, { "content-type": "application/json" })
            return response.end(JSON.stringify({ detail: `bad header authorization=${auth.slice(7)}` }))
          case "403":
            response.writeHead(403, { "content-type": "application/json" })
            return response.end(JSON.stringify({ error: { code: "nope", message: `forbidden for {"access_token": "${auth.slice(7)}"}` } }))
          case "error-event":
            response.writeHead(200, { "content-type": "text/event-stream" })
            return response.end(sseEvent({ type: "error", code: "server_error", message: `echo ${auth}` }))
          case "failed":
            response.writeHead(200, { "content-type": "text/event-stream" })
            return response.end(sseEvent({
              type: "response.failed",
              response: { id: "resp_1", status: "failed", output: [], instructions: auth, error: { code: "server_error", message: `echo ${auth.slice(7)}` } }
            }))
          case "not-sse":
            response.writeHead(200, { "content-type": "application/json" })
            return response.end(`{"echo":"${auth}"}`)
          case "malformed":
            response.writeHead(200, { "content-type": "text/event-stream" })
            return response.end(sseEvent({ type: "response.output_text.delta", delta: 1, echo: auth }))
          default:
            response.writeHead(404)
            return response.end()
        }
      })
      const lines: Array<string> = []
      const layer = Responses.layer.pipe(
        Layer.provideMerge(CodexAuth.layer()),
        Layer.provideMerge(Layer.mergeAll(
          TokenStore.layerMemory(TokenStore.tokens({ idToken: accessToken, accessToken, refreshToken })),
          CodexConfig.layer({ codexBaseUrl: `${url}/backend-api/codex`, authIssuer: url, maxRetries: 0, maxStreamRetries: 0 }),
          NodeHttpClient.layerUndici,
          CodexEmulator.transportLayer()
        ))
      )
      const errors: Array<CodexError.CodexError> = []
      yield* Effect.gen(function*() {
        const responses = yield* Responses.Responses
        for (const m of ["500", "400", "403", "error-event", "failed", "not-sse", "malformed"]) {
          mode = m
          const error = yield* Effect.flip(responses.create({ input: "x" }))
          errors.push(error)
          const streamed = yield* Effect.flip(Stream.runDrain(responses.stream({ input: "x" })))
          errors.push(streamed)
        }
      }).pipe(Effect.provide(layer), Effect.provide(capture(lines)), Logger.withMinimumLogLevel(LogLevel.All))
      assert.isTrue(lines.some((l) => l.includes("Proactive token refresh failed")), lines.join("\n"))
      const tags = errors.map((e) => e._tag)
      assert.deepStrictEqual(tags, [
        "ServerError", "ServerError", "InvalidRequest", "InvalidRequest", "PermissionDenied", "PermissionDenied",
        "ResponseFailed", "ResponseFailed", "ResponseFailed", "ResponseFailed", "DecodeError", "DecodeError", "DecodeError", "DecodeError"
      ])
      const texts = [...lines, ...errors.flatMap(forms)]
      for (const text of texts) {
        assert.notInclude(text, payload)
        assert.notInclude(text, refreshToken)
      }
      // the rest of the text survives
      assert.include(String(errors[0]), "upstream failed")
      assert.include(String(errors[2]), "bad header")
    })))
})

describe("2. bearer tokens travel over https only", () => {
  it.effect("http: base URLs are refused except on loopback, unless allowInsecureHttp", () =>
    Effect.gen(function*() {
      for (const key of ["codexBaseUrl", "chatgptBaseUrl", "openaiBaseUrl", "authIssuer"] as const) {
        for (const value of ["http://chatgpt.com/backend-api", "http://example.com/x", "http://10.0.0.1/x", "http://127.example.com/x"]) {
          const exit = yield* Effect.exit(CodexConfig.make({ [key]: value }))
          assert.isTrue(Exit.isFailure(exit), `${key}=${value}`)
          if (Exit.isFailure(exit)) assert.include(String(exit.cause), "https")
        }
        for (const value of ["http://127.0.0.1:9/x", "http://127.1.2.3/x", "http://localhost:8080/x", "http://[::1]:9/x", "https://example.com/x"]) {
          const config = yield* CodexConfig.make({ [key]: value })
          assert.strictEqual(config[key], value, `${key}=${value}`)
        }
      }
      const lines: Array<string> = []
      const insecure = yield* CodexConfig.make({ codexBaseUrl: "http://example.com/codex", allowInsecureHttp: true }).pipe(
        Effect.zipLeft(CodexConfig.make({ openaiBaseUrl: "http://example.com/v1", allowInsecureHttp: true })),
        Effect.provide(capture(lines))
      )
      assert.strictEqual(insecure.codexBaseUrl, "http://example.com/codex")
      assert.strictEqual(lines.filter((l) => l.includes("allowInsecureHttp")).length, 1, "one warning per process")
      const env = yield* Effect.exit(
        CodexConfig.CodexConfig.pipe(
          Effect.provide(CodexConfig.layerFromEnv()),
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["CODEX_BASE_URL", "http://example.com/x"]])))
        )
      )
      assert.isTrue(Exit.isFailure(env), "CODEX_BASE_URL=http://example.com is refused")
    }))
})


describe("3. the auth.json lock (one process; two processes: crossProcess.test.ts)", () => {
  const update = { accessToken: Redacted.make("at-new"), refreshToken: Redacted.make("rt-new"), lastRefresh: new Date() }

  it.live("a holder whose lock was taken over writes nothing and leaves the other owner's lock in place", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempHome
      const lock = NodePath.join(dir, "auth.json.lock")
      const store = TokenStore.makeFile(dir)
      const error = yield* Effect.flip(store.modify(() =>
        Effect.promise(async () => {
          // another process broke our lock and took it
          await NodeFs.rm(lock, { recursive: true, force: true })
          await NodeFs.mkdir(lock)
          await NodeFs.writeFile(NodePath.join(lock, "owner"), "someone-else")
          return [undefined, update] as const
        })
      ))
      assert.strictEqual(error._tag, "TokenStoreError")
      assert.include(error.message, "lock")
      assert.strictEqual(yield* Effect.promise(() => NodeFs.readFile(NodePath.join(lock, "owner"), "utf8")), "someone-else")
      assert.notInclude(yield* Effect.promise(() => NodeFs.readdir(dir)), "auth.json")
    })))

  it.live("a stale lock (not renewed for `stale`) is broken; a fresh one is waited for", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempHome
      const lock = NodePath.join(dir, "auth.json.lock")
      yield* Effect.promise(async () => {
        await NodeFs.mkdir(lock)
        await NodeFs.writeFile(NodePath.join(lock, "owner"), "dead-process")
        const old = new Date(Date.now() - 10_000)
        await NodeFs.utimes(lock, old, old)
      })
      const store = TokenStore.makeFile(dir, { stale: "5 seconds", timeout: "2 seconds" })
      yield* store.modify(() => Effect.succeed([undefined, update] as const))
      assert.deepStrictEqual(yield* Effect.promise(() => NodeFs.readdir(dir)), ["auth.json"], "broken, then released")
      yield* Effect.promise(async () => {
        await NodeFs.mkdir(lock)
        await NodeFs.writeFile(NodePath.join(lock, "owner"), "live-process")
      })
      const busy = yield* Effect.flip(TokenStore.makeFile(dir, { stale: "5 seconds", timeout: "300 millis" }).modify(() =>
        Effect.succeed([undefined, update] as const)
      ))
      assert.include(busy.message, "another process has held the lock")
    })))
})

describe("3b. the lock on one host: a live owner keeps it, a dead one loses it at once (hardening round 2)", () => {
  const update = { accessToken: Redacted.make("at-new"), refreshToken: Redacted.make("rt-new"), lastRefresh: new Date() }

  /** A child process of this host, for the scope (killed at its end). */
  const child = Effect.acquireRelease(
    Effect.sync(() => NodeChild.spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" })),
    (process) => Effect.sync(() => void process.kill("SIGKILL"))
  )
  const ownLock = (dir: string, pid: number, ageMillis: number) =>
    Effect.promise(async () => {
      const lock = NodePath.join(dir, "auth.json.lock")
      await NodeFs.mkdir(lock)
      await NodeFs.writeFile(NodePath.join(lock, "owner"), `${pid}.0123abcd@${NodeOs.hostname()}`)
      const old = new Date(Date.now() - ageMillis)
      await NodeFs.utimes(lock, old, old)
      return lock
    })

  it.live("a stopped (SIGSTOP) owner of this host keeps its lock however stale: no refresh token is spent twice", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempHome
      const holder = yield* child
      holder.kill("SIGSTOP")
      const lock = yield* ownLock(dir, holder.pid ?? 0, 60_000)
      const store = TokenStore.makeFile(dir, { stale: "100 millis", timeout: "500 millis" })
      const error = yield* Effect.flip(store.modify(() => Effect.succeed([undefined, update] as const)))
      assert.strictEqual(error._tag, "TokenStoreError")
      assert.include(error.message, `owner ${holder.pid}`)
      assert.include(error.message, "suspended")
      assert.strictEqual(
        yield* Effect.promise(() => NodeFs.readFile(NodePath.join(lock, "owner"), "utf8")),
        `${holder.pid}.0123abcd@${NodeOs.hostname()}`,
        "the lock is still its owner's"
      )
      assert.notInclude(yield* Effect.promise(() => NodeFs.readdir(dir)), "auth.json", "nothing was written")
    })))

  it.live("after kill -9 of the holder, the next run takes the lock at once and removes the temporary file holding tokens", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempHome
      const holder = yield* child
      const pid = holder.pid ?? 0
      yield* Effect.async<void>((resume) => {
        holder.once("exit", () => resume(Effect.void))
        holder.kill("SIGKILL")
      })
      yield* ownLock(dir, pid, 0) // fresh: the stale window (60 s by default) has not passed
      const leftover = NodePath.join(dir, `.auth.json.${pid}.a1b2c3d4e5f6.tmp`)
      yield* Effect.promise(() => NodeFs.writeFile(leftover, "{\"tokens\":{\"refresh_token\":\"rt-left-behind\"}}", { mode: 0o600 }))
      const started = Date.now()
      yield* TokenStore.makeFile(dir).modify(() => Effect.succeed([undefined, update] as const)).pipe(Effect.timeout("5 seconds"))
      assert.isBelow(Date.now() - started, 2000, "no wait for the stale window")
      assert.deepStrictEqual(yield* Effect.promise(() => NodeFs.readdir(dir)), ["auth.json"], "the lock released, the leftover removed")
    })))
})

/** The peak growth of the resident set while `effect` runs, in MB (sampled every 2 ms). */
const peakGrowth = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = process.memoryUsage().rss
    let peak = start
    const timer = setInterval(() => void (peak = Math.max(peak, process.memoryUsage().rss)), 2)
    const result = yield* Effect.ensuring(effect, Effect.sync(() => clearInterval(timer)))
    peak = Math.max(peak, process.memoryUsage().rss)
    return [result, (peak - start) / 2 ** 20] as const
  })

/** Writes `total` bytes of `fill` after `prefix`, reusing one 1 MB buffer. */
const writeBig = (response: Http.ServerResponse, prefix: string, total: number, fill = "x") => {
  const mb = Buffer.alloc(2 ** 20, fill)
  let sent = 0
  response.write(prefix)
  const more = () => {
    while (sent < total) {
      sent += mb.length
      if (!response.write(mb)) return void response.once("drain", more)
    }
    response.end()
  }
  response.on("error", () => undefined)
  more()
}

describe("4. bounded buffers", () => {
  it.live("a 64 MB SSE line is a DecodeError, and memory stays bounded", () =>
    Effect.scoped(Effect.gen(function*() {
      const { url } = yield* serve((_request, _body, response) => {
        response.writeHead(200, { "content-type": "text/event-stream" })
        writeBig(response, "data: {\"type\":\"response.output_text.delta\",\"delta\":\"", 64 * 2 ** 20)
      })
      const layer = Responses.layer.pipe(Layer.provide(Layer.mergeAll(
        CodexConfig.layer({ codexBaseUrl: url, maxRetries: 0, maxStreamRetries: 0 }),
        CodexAuth.layerTokens({ accessToken: "t" }),
        NodeHttpClient.layerUndici,
        CodexEmulator.transportLayer()
      )))
      const [error, growth] = yield* peakGrowth(
        Effect.flip(Effect.flatMap(Responses.Responses, (r) => Stream.runDrain(r.stream({ input: "x" }))).pipe(Effect.provide(layer)))
      )
      assert.strictEqual(error._tag, "DecodeError", String(error))
      assert.include(error.message, "16 MB")
      assert.isBelow(growth, 100, `RSS grew by ${growth.toFixed(0)} MB`)
    })), 30_000)

  it.live("maxEventBytes is configurable: an event over it is a DecodeError", () =>
    Effect.scoped(Effect.gen(function*() {
      const { url } = yield* serve((_request, _body, response) => {
        response.writeHead(200, { "content-type": "text/event-stream" })
        response.end(`data: {"type":"response.output_text.delta","output_index":0,"delta":"${"y".repeat(2000)}"}\n\n`)
      })
      const layer = Responses.layer.pipe(Layer.provide(Layer.mergeAll(
        CodexConfig.layer({ codexBaseUrl: url, maxRetries: 0, maxStreamRetries: 0, maxEventBytes: 1024 }),
        CodexAuth.layerTokens({ accessToken: "t" }),
        NodeHttpClient.layerUndici,
        CodexEmulator.transportLayer()
      )))
      const error = yield* Effect.flip(Effect.flatMap(Responses.Responses, (r) => r.create({ input: "x" })).pipe(Effect.provide(layer)))
      assert.strictEqual(error._tag, "DecodeError", String(error))
    })))

  it.live("64 MB error, non-SSE and token-endpoint bodies are read only in part", () =>
    Effect.scoped(Effect.gen(function*() {
      let status = 500
      let type = "text/plain"
      const { url } = yield* serve((_request, _body, response) => {
        response.writeHead(status, { "content-type": type })
        writeBig(response, "", 64 * 2 ** 20)
      })
      const expired = CodexEmulator.fakeJwt({ exp: 1, "https://api.openai.com/auth": { chatgpt_account_id: "a" } })
      const run = <A, E>(effect: Effect.Effect<A, E, Responses.Responses | CodexAuth.CodexAuth>, auth: "tokens" | "refresh") =>
        effect.pipe(
          Effect.provide(Responses.layer.pipe(
            Layer.provideMerge(auth === "tokens" ? CodexAuth.layerTokens({ accessToken: "t" }) : CodexAuth.layer().pipe(
              Layer.provide(TokenStore.layerMemory(TokenStore.tokens({ idToken: expired, accessToken: expired, refreshToken: "rt" })))
            )),
            Layer.provide(Layer.mergeAll(
              CodexConfig.layer({ codexBaseUrl: url, authIssuer: url, maxRetries: 0, maxStreamRetries: 0 }),
              NodeHttpClient.layerUndici,
              CodexEmulator.transportLayer()
            ))
          ))
        )
      const create = Effect.flatMap(Responses.Responses, (r) => r.create({ input: "x" }))
      const [serverError, g1] = yield* peakGrowth(Effect.flip(run(create, "tokens")))
      assert.strictEqual(serverError._tag, "ServerError")
      assert.isBelow(g1, 40, `error body: RSS grew by ${g1.toFixed(0)} MB`)
      status = 200
      type = "text/html"
      const [decode, g2] = yield* peakGrowth(Effect.flip(run(create, "tokens")))
      assert.strictEqual(decode._tag, "DecodeError")
      assert.isBelow(g2, 40, `non-SSE body: RSS grew by ${g2.toFixed(0)} MB`)
      status = 400
      const [refresh, g3] = yield* peakGrowth(Effect.flip(run(Effect.flatMap(CodexAuth.CodexAuth, (a) => a.credentials), "refresh")))
      assert.strictEqual(refresh._tag, "RefreshFailed")
      assert.isBelow(g3, 40, `token endpoint body: RSS grew by ${g3.toFixed(0)} MB`)
    })), 30_000)

  it.live("an auth.json of 64 MB is a TokenStoreError, not a load", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempHome
      const pad = "x".repeat(64 * 2 ** 20)
      yield* Effect.promise(() =>
        NodeFs.writeFile(
          NodePath.join(dir, "auth.json"),
          `{"tokens":{"id_token":"i","access_token":"a","refresh_token":"r"},"pad":"${pad}"}`
        )
      )
      const error = yield* Effect.flip(TokenStore.makeFile(dir).load)
      assert.strictEqual(error._tag, "TokenStoreError")
      assert.include(error.message, "MB")
    })), 30_000)

  it.live("an auth.json that is a FIFO is refused at once, not waited on", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempHome
      NodeChild.execFileSync("mkfifo", [NodePath.join(dir, "auth.json")])
      const error = yield* Effect.flip(TokenStore.makeFile(dir).load.pipe(Effect.timeoutFail({ duration: "3 seconds", onTimeout: () => new Error("hung") })))
      assert.strictEqual("_tag" in error ? error._tag : error.message, "TokenStoreError")
      assert.include(error.message, "not a regular file")
    })), 30_000)
})

const withHome = <A, E, R>(f: (dir: string) => Effect.Effect<A, E, R>, options: CodexEmulator.Options = {}) =>
  Effect.scoped(Effect.flatMap(tempHome, (dir) => f(dir).pipe(Effect.provide(CodexEmulator.layerClient({ ...options, codexHome: dir })))))

const get = (url: string, headers: Record<string, string> = {}) =>
  Effect.promise(() =>
    new Promise<{ status: number; headers: Http.IncomingHttpHeaders; text: string }>((resolve, reject) => {
      const request = Http.get(url, { headers }, (response) => {
        let text = ""
        response.on("data", (d) => (text += d))
        response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }))
      })
      request.on("error", reject)
    })
  )

/** Starts a browser login; returns its fiber, port and state. */
const startLogin = (options: Partial<OAuth.LoginOptions> = {}) =>
  Effect.gen(function*() {
    const urls = yield* Deferred.make<string>()
    const fiber = yield* Effect.fork(OAuth.login({ port: 0, openBrowser: false, onUrl: (u) => Deferred.succeed(urls, u), ...options }))
    const url = new URL(yield* Deferred.await(urls))
    const port = new URL(url.searchParams.get("redirect_uri") ?? "").port
    return { fiber, port, state: url.searchParams.get("state") ?? "", authorize: url.toString() }
  })

describe("5. the login surface", () => {
  it.live("the callback pages escape what they show and forbid everything with a CSP", () =>
    withHome(() =>
      Effect.gen(function*() {
        const { fiber, port, state } = yield* startLogin()
        const page = yield* get(
          `http://127.0.0.1:${port}/auth/callback?state=${state}&error=access_denied&error_description=${encodeURIComponent("<script>alert(1)</script><img src=x>")}`
        )
        assert.notInclude(page.text, "<script>")
        assert.notInclude(page.text, "<img")
        assert.include(page.text, "&lt;script&gt;")
        assert.strictEqual(page.headers["content-security-policy"], "default-src 'none'")
        const error = yield* Effect.flip(Fiber.join(fiber))
        assert.isTrue(error._tag === "LoginFailed" && error.reason === "access_denied", String(error))
      })
    ))

  it.live("/cancel needs the login's state; a foreign Host or a cross-site request is refused; none of them ends the login", () =>
    withHome(() =>
      Effect.gen(function*() {
        const { fiber, port, state, authorize } = yield* startLogin()
        const base = `http://127.0.0.1:${port}`
        for (const path of ["/cancel", "/success/../cancel", "/cancel?state=wrong", `/cancel?state=${state}x`]) {
          const reply = yield* get(`${base}${path}`)
          assert.notStrictEqual(reply.status, 200, path)
        }
        const rebound = yield* get(`${base}/cancel?state=${state}`, { host: "evil.example:80" })
        assert.notStrictEqual(rebound.status, 200, "DNS rebinding: a foreign Host header")
        const crossSite = yield* get(`${base}/cancel?state=${state}`, { "sec-fetch-site": "cross-site" })
        assert.notStrictEqual(crossSite.status, 200, "cross-site")
        assert.isNull(yield* Fiber.poll(fiber).pipe(Effect.map((o) => (o._tag === "Some" ? "ended" : null))), "the login goes on")
        // the real browser still signs in
        const landed = yield* Effect.promise(() => fetch(authorize, { redirect: "follow" }).then((r) => r.text()))
        assert.include(landed, "Signed in to Codex")
        const result = yield* Fiber.join(fiber)
        assert.strictEqual(result.accountId, "acct_emulated")
      })
    ))

  it.live("/cancel with the login's state cancels it", () =>
    withHome(() =>
      Effect.gen(function*() {
        const { fiber, port, state } = yield* startLogin()
        const reply = yield* get(`http://localhost:${port}/cancel?state=${state}`)
        assert.strictEqual(reply.status, 200)
        const error = yield* Effect.flip(Fiber.join(fiber))
        assert.isTrue(error._tag === "LoginFailed" && error.reason === "cancelled", String(error))
      })
    ))

  it.live("a login fails when ::1 is available but its port is held by another process", () =>
    withHome(() =>
      Effect.gen(function*() {
        const squatter = yield* Effect.either(serve(() => undefined, "::1"))
        if (squatter._tag === "Left") return // no IPv6 loopback here
        const { port } = squatter.right
        const error = yield* Effect.flip(
          OAuth.login({ port, openBrowser: false, onUrl: () => Effect.void, timeout: "2 seconds" })
        )
        assert.isTrue(error._tag === "LoginFailed" && error.reason === "port_in_use", error.message)
        assert.include(error.message, "::1")
      })
    ), 15_000)

  it.effect("device-code polling: at least 1 s apart whatever the interval, and slow_down adds 5 s (TestClock)", () =>
    Effect.scoped(Effect.gen(function*() {
      let polls = 0
      const { url } = yield* serve((request, _body, response) => {
        response.setHeader("content-type", "application/json")
        if (request.url === "/api/accounts/deviceauth/usercode") {
          return response.end(JSON.stringify({ device_auth_id: "dev_1", user_code: "ABCD-EFGH", interval: "0" }))
        }
        polls++
        if (polls === 1) {
          response.statusCode = 400
          return response.end(JSON.stringify({ error: "slow_down" }))
        }
        response.statusCode = 403
        response.end(JSON.stringify({ error: "authorization_pending" }))
      })
      const realWait = (ms: number) => Effect.promise(() => new Promise((r) => setTimeout(r, ms)))
      /** Waits (real time, up to 5 s) until `polls` is reached and the login sleeps `ms` on the test clock. */
      const settled = (expectedPolls: number, ms: number) =>
        Effect.gen(function*() {
          for (let i = 0; i < 500; i++) {
            const now = yield* Clock.currentTimeMillis
            const sleeps = Chunk.toReadonlyArray(yield* TestClock.sleeps())
            if (polls === expectedPolls && sleeps.includes(now + ms)) return
            yield* realWait(10)
          }
          assert.fail(`expected ${expectedPolls} poll(s), then a ${ms} ms wait; saw ${polls} poll(s)`)
        })
      const fiber = yield* Effect.fork(
        OAuth.loginDevice({ onCode: () => Effect.void }).pipe(
          Effect.provide(Layer.mergeAll(
            CodexConfig.layer({ authIssuer: url }),
            TokenStore.layerMemory(),
            NodeHttpClient.layerUndici
          ))
        )
      )
      yield* settled(0, 1000) // interval "0" → 1 s
      yield* TestClock.adjust("1 second")
      yield* settled(1, 6000) // slow_down → 1 + 5 s
      yield* TestClock.adjust("5 seconds")
      yield* realWait(100)
      assert.strictEqual(polls, 1, "no poll before the slowed-down interval")
      yield* TestClock.adjust("1 second")
      yield* settled(2, 6000) // the slowed-down interval stays
      yield* TestClock.adjust("5 seconds")
      yield* realWait(100)
      assert.strictEqual(polls, 2)
      yield* TestClock.adjust("1 second")
      yield* settled(3, 6000)
      yield* Fiber.interrupt(fiber)
    })))
})

describe("6. bad input up front", () => {
  for (const [name, key] of [["CR LF", "conv\r\nX-Injected: 1"], ["NUL", "a\u0000b"], ["non-Latin-1", "ключ"]] as const) {
    it.live(`a prompt_cache_key with ${name} is InvalidParameter, and nothing is sent`, () =>
      Effect.gen(function*() {
        const emulator = yield* CodexEmulator.CodexEmulator
        const responses = yield* Responses.Responses
        const error = yield* Effect.flip(responses.create({ input: "x", prompt_cache_key: key }))
        assert.strictEqual(error._tag, "InvalidParameter", String(error))
        assert.include(error.message, "prompt_cache_key")
        const streamed = yield* Effect.flip(Stream.runDrain(responses.stream({ input: "x", prompt_cache_key: key })))
        assert.strictEqual(streamed._tag, "InvalidParameter")
        assert.lengthOf(yield* emulator.requests, 0)
      }).pipe(Effect.provide(CodexEmulator.layerClient({ config: { retryBaseDelay: Duration.millis(1) } }))))
  }

  it.live("any header value with CR/LF is InvalidParameter where headers are built (an account id from a token)", () =>
    Effect.gen(function*() {
      const emulator = yield* CodexEmulator.CodexEmulator
      const error = yield* Effect.flip(Effect.flatMap(Responses.Responses, (r) => r.create({ input: "x" })))
      assert.strictEqual(error._tag, "InvalidParameter", String(error))
      assert.lengthOf(yield* emulator.requests, 0)
    }).pipe(Effect.provide(CodexEmulator.layerClient({
      config: { retryBaseDelay: Duration.millis(1) },
      auth: CodexAuth.layerTokens({ accessToken: "t", accountId: "acct\r\nx-evil: 1" })
    }))))

  it.live("a group- or world-writable CODEX_HOME, or one owned by another user, is refused unless allowInsecureCodexHome", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempHome
      yield* Effect.promise(() => NodeFs.writeFile(NodePath.join(dir, "auth.json"), JSON.stringify({ tokens: { id_token: "i", access_token: "a", refresh_token: "r" } })))
      const load = (options: CodexConfig.Options) =>
        Effect.flatMap(TokenStore.TokenStore, (s) => s.load).pipe(
          Effect.provide(TokenStore.layerFile().pipe(Layer.provide(CodexConfig.layer({ codexHome: dir, ...options }))))
        )
      assert.isDefined(yield* load({}), "0700 is fine")
      for (const mode of [0o777, 0o1777, 0o770, 0o720]) {
        yield* Effect.promise(() => NodeFs.chmod(dir, mode))
        const error = yield* Effect.flip(load({}))
        assert.strictEqual(error._tag, "TokenStoreError")
        assert.include(error.message, "writable", mode.toString(8))
        assert.include(error.message, "allowInsecureCodexHome")
        const modify = yield* Effect.flip(
          Effect.flatMap(TokenStore.TokenStore, (s) => s.modify(() => Effect.succeed([undefined, undefined] as const))).pipe(
            Effect.provide(TokenStore.layerFile().pipe(Layer.provide(CodexConfig.layer({ codexHome: dir }))))
          )
        )
        assert.strictEqual(modify._tag, "TokenStoreError")
        assert.isDefined(yield* load({ allowInsecureCodexHome: true }))
      }
      yield* Effect.promise(() => NodeFs.chmod(dir, 0o700))
      if (process.getuid?.() === 0) {
        yield* Effect.promise(() => NodeFs.chown(dir, 54321, 54321))
        const error = yield* Effect.flip(load({}))
        assert.include(error.message, "owned by")
        yield* Effect.promise(() => NodeFs.chown(dir, 0, 0))
      }
    })))
})

describe("7. requestDeadline", () => {
  it.live("a stream kept alive by comments ends with Timeout { phase: deadline }", () =>
    Effect.scoped(Effect.gen(function*() {
      const { url } = yield* serve((_request, _body, response) => {
        response.writeHead(200, { "content-type": "text/event-stream" })
        response.write(sseEvent({ type: "response.created", response: { id: "resp_1", status: "in_progress", output: [] } }))
        const timer = setInterval(() => response.write(": keep-alive\n\n"), 10)
        response.on("close", () => clearInterval(timer))
      })
      const layer = Responses.layer.pipe(Layer.provide(Layer.mergeAll(
        CodexConfig.layer({ codexBaseUrl: url, maxRetries: 0, maxStreamRetries: 0, streamIdleTimeout: Duration.seconds(5), requestDeadline: Duration.millis(300) }),
        CodexAuth.layerTokens({ accessToken: "t" }),
        NodeHttpClient.layerUndici,
        CodexEmulator.transportLayer()
      )))
      for (const call of [
        (r: Responses.Service) => r.create({ input: "x" }),
        (r: Responses.Service) => Stream.runDrain(r.stream({ input: "x" }))
      ]) {
        const started = Date.now()
        const error = yield* Effect.flip(Effect.flatMap(Responses.Responses, call).pipe(
          Effect.provide(layer),
          Effect.timeoutFail({ duration: "3 seconds", onTimeout: () => new Cause.TimeoutException("no deadline: still running after 3 s") })
        ))
        assert.isTrue(error._tag === "Timeout" && error.phase === "deadline", String(error))
        assert.isBelow(Date.now() - started, 2000)
      }
      const config = yield* CodexConfig.make()
      assert.isUndefined(config.requestDeadline, "off by default")
    })))
})

describe("a header refused locally is not an unanswered refresh", () => {
  it.live("CR/LF in a header of a token request: RefreshFailed saying nothing was sent, not marked unanswered", () =>
    Effect.gen(function*() {
      const request = HttpClientRequest.post("http://127.0.0.1:9/oauth/token").pipe(
        HttpClientRequest.setHeader("originator", "codex\r\nx-injected: 1")
      )
      const error = yield* Effect.flip(TokenEndpoint.send(request))
      assert.strictEqual(error._tag, "RefreshFailed")
      assert.include(error.message, "nothing was sent")
      assert.isFalse(TokenEndpoint.isUnanswered(error), "the refresh token stays usable")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
})
