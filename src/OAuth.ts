/**
 * Signing in with a ChatGPT account (protocol §2): the browser login (authorization code
 * with PKCE and a callback server on loopback), the device-code login for headless
 * machines, the optional API-key exchange, logout, and the claims of the tokens.
 *
 * Logins persist into the `TokenStore` (by default `$CODEX_HOME/auth.json`, in the Codex
 * CLI's format, so the CLI and this SDK share one login).
 *
 * @since 0.1.0
 */
import { Clock, Deferred, Duration, Effect, Redacted, Runtime } from "effect"
import * as NodeChild from "node:child_process"
import * as NodeCrypto from "node:crypto"
import * as Http from "node:http"
import { CodexConfig } from "./CodexConfig.js"
import type { Service as Config } from "./CodexConfig.js"
import type { RefreshFailed, TokenStoreError } from "./CodexError.js"
import { InvalidParameter, LoginFailed } from "./CodexError.js"
import { CodexTransport } from "./CodexTransport.js"
import { dispatch } from "./internal/dispatch.js"
import { isRecord } from "./internal/jsonGuards.js"
import * as Jwt from "./internal/jwt.js"
import { scrub } from "./internal/scrub.js"
import * as Token from "./internal/tokenEndpoint.js"
import { joinUrl } from "./internal/wire.js"
import { TokenStore } from "./TokenStore.js"

/**
 * The scopes the Codex CLI asks for (§2.1).
 *
 * @since 0.1.0
 * @category constants
 */
export const scopes = "openid profile email offline_access api.connectors.read api.connectors.invoke"

/**
 * What a JWT says about the account (decoded without checking the signature, §2.8).
 *
 * @since 0.1.0
 * @category models
 */
export interface Claims {
  readonly accountId: string | undefined
  readonly planType: string | undefined
  readonly email: string | undefined
  readonly fedramp: boolean
  /** Expiry, epoch seconds. */
  readonly exp: number | undefined
}

/**
 * Decodes the claims of an id or access token. An undecodable token has no claims.
 *
 * @since 0.1.0
 * @category claims
 */
export const claims = (token: string | Redacted.Redacted<string>): Claims => {
  const decoded = Jwt.decodeClaims(Redacted.isRedacted(token) ? Redacted.value(token) : token)
  return {
    accountId: Jwt.accountId(decoded),
    planType: Jwt.planType(decoded),
    email: Jwt.email(decoded),
    fedramp: Jwt.isFedramp(decoded),
    exp: Jwt.expiresAt(decoded)
  }
}

/**
 * A PKCE pair and a state (§2.2): a 64-byte verifier, its S256 challenge, 32 bytes of state.
 *
 * @since 0.1.0
 * @category models
 */
export interface Pkce {
  readonly verifier: string
  readonly challenge: string
  readonly state: string
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const makePkce = (): Pkce => {
  const verifier = NodeCrypto.randomBytes(64).toString("base64url")
  return {
    verifier,
    challenge: NodeCrypto.createHash("sha256").update(verifier, "ascii").digest("base64url"),
    state: NodeCrypto.randomBytes(32).toString("base64url")
  }
}

const rfc3986 = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/**
 * The authorize URL, with every parameter in the CLI's order, RFC 3986-encoded (a space is
 * `%20`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const authorizeUrl = (
  config: Pick<Config, "authIssuer" | "originator">,
  options: { readonly redirectUri: string; readonly pkce: Pkce; readonly workspaceId?: string | undefined }
): string => {
  const params: Array<readonly [string, string]> = [
    ["response_type", "code"],
    ["client_id", Token.clientId],
    ["redirect_uri", options.redirectUri],
    ["scope", scopes],
    ["code_challenge", options.pkce.challenge],
    ["code_challenge_method", "S256"],
    ["id_token_add_organizations", "true"],
    ["codex_cli_simplified_flow", "true"],
    ["state", options.pkce.state],
    ["originator", config.originator]
  ]
  if (options.workspaceId !== undefined) params.push(["allowed_workspace_id", options.workspaceId])
  return `${joinUrl(config.authIssuer, "oauth/authorize")}?${params.map(([k, v]) => `${k}=${rfc3986(v)}`).join("&")}`
}

/**
 * The outcome of a login.
 *
 * @since 0.1.0
 * @category models
 */
export interface LoginResult {
  readonly accountId: string | undefined
  readonly email: string | undefined
  readonly planType: string | undefined
  /** Whether the API-key exchange produced a Platform API key (stored as `OPENAI_API_KEY`). */
  readonly apiKey: boolean
}

type Issued = {
  readonly idToken: Redacted.Redacted<string>
  readonly accessToken: Redacted.Redacted<string>
  readonly refreshToken: Redacted.Redacted<string>
}

/** Checks the workspace (§2.2 step 5), runs the API-key exchange, and persists. */
const finish = (
  config: Config,
  issued: Issued,
  options: { readonly workspaceId?: string | undefined; readonly requestApiKey: boolean }
): Effect.Effect<LoginResult, LoginFailed | TokenStoreError, TokenStore | CodexTransport> =>
  Effect.gen(function*() {
    const id = claims(issued.idToken)
    const access = claims(issued.accessToken)
    const accountId = id.accountId ?? access.accountId
    if (options.workspaceId !== undefined && accountId !== options.workspaceId) {
      return yield* new LoginFailed({
        reason: "workspace_restriction",
        detail: `the login landed in another workspace than ${options.workspaceId}; nothing was saved`
      })
    }
    const apiKey = options.requestApiKey ? yield* Token.exchangeApiKey(config, issued.idToken) : undefined
    const store = yield* TokenStore
    const now = new Date(yield* Clock.currentTimeMillis)
    yield* store.modify(() =>
      Effect.succeed(
        [undefined, {
          idToken: issued.idToken,
          accessToken: issued.accessToken,
          refreshToken: issued.refreshToken,
          accountId,
          apiKey: apiKey ?? null,
          lastRefresh: now
        }] as const
      )
    )
    return { accountId, email: id.email, planType: access.planType ?? id.planType, apiKey: apiKey !== undefined }
  })

/**
 * Options of the browser login.
 *
 * @since 0.1.0
 * @category models
 */
export interface LoginOptions {
  /** The callback port (default 1455, the one registered with the redirect URI). */
  readonly port?: number
  /** Open the system browser (`open` / `xdg-open` / `start`); default true. The URL is always passed to `onUrl`. */
  readonly openBrowser?: boolean
  /** Receives the authorize URL (default: printed to stderr). */
  readonly onUrl?: (url: string) => Effect.Effect<void>
  /** Give up after this long (default 15 minutes). */
  readonly timeout?: Duration.DurationInput
  /** Restrict the login to one workspace (account id). */
  readonly workspaceId?: string
  /** Run the API-key exchange (default true). */
  readonly requestApiKey?: boolean
  /**
   * When the port is busy, ask the other login there to cancel (`GET /cancel`, as the Codex
   * CLI does); default false. A login of this SDK cancels only with its own state, so this
   * ends only logins that accept a bare `/cancel` (the CLI's).
   */
  readonly cancelExisting?: boolean
  /** Told the addresses the callback server listens on (`127.0.0.1:<port>`, `[::1]:<port>`). */
  readonly onListening?: (addresses: ReadonlyArray<string>) => Effect.Effect<void>
}

// Options come from users (and from the command line): a bad one is a typed
// `InvalidParameter` naming it, before any port is bound or request sent, never a defect.
type Check = (value: unknown) => string | undefined

const isPort: Check = (v) =>
  typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 65535
    ? undefined
    : "must be an integer from 0 to 65535"
const isDuration: Check = (v) =>
  (typeof v === "number" && (Number.isNaN(v) || v < 0)) || Duration.decodeUnknown(v)._tag === "None"
    ? "must be a non-negative duration (milliseconds, or a DurationInput such as \"5 minutes\")"
    : undefined
const isBoolean: Check = (v) => (typeof v === "boolean" ? undefined : "must be true or false")
const isFunction: Check = (v) => (typeof v === "function" ? undefined : "must be a function")
const isWorkspace: Check = (
  v
) => (typeof v === "string" && v.trim() !== "" ? undefined : "must be a non-empty account id")

const shown = (value: unknown): string => {
  try {
    return typeof value === "string" ? JSON.stringify(value) : String(value)
  } catch {
    return typeof value
  }
}

const validate = (options: object, checks: Record<string, Check>): Effect.Effect<void, InvalidParameter> => {
  for (const [name, check] of Object.entries(checks)) {
    const value: unknown = Reflect.get(options, name)
    if (value === undefined) continue
    const problem = check(value)
    if (problem !== undefined) {
      return Effect.fail(new InvalidParameter({ parameter: name, detail: `${problem} (got ${shown(value)})` }))
    }
  }
  return Effect.void
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === "\"" ? "&quot;" : "&#39;")
  )

/** A callback page: everything it shows is escaped (the texts may come from the issuer or the URL). */
const page = (title: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${
    escapeHtml(title)
  }</h1><p>${escapeHtml(body)}</p></body></html>`

/** Headers of every callback-server reply: nothing may run, load, be framed or cached. */
const pageHeaders = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": "default-src 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
  connection: "close"
} as const

/** Compares a received `state` with ours in constant time. */
const sameState = (received: string | null, expected: string): boolean => {
  if (received === null) return false
  const a = Buffer.from(received)
  const b = Buffer.from(expected)
  return a.length === b.length && NodeCrypto.timingSafeEqual(a, b)
}

const openInBrowser = (url: string) =>
  Effect.sync(() => {
    const [command, args] = process.platform === "darwin"
      ? ["open", [url]]
      : process.platform === "win32"
      ? ["cmd", ["/c", "start", "", url]]
      : ["xdg-open", [url]]
    try {
      const child = NodeChild.spawn(command, args, { stdio: "ignore", detached: true })
      child.on("error", () => undefined)
      child.unref()
    } catch {
      // no opener: the URL was printed
    }
  })

const listen = (server: Http.Server, port: number, host: string) =>
  Effect.async<void, NodeJS.ErrnoException>((resume) => {
    const onError = (error: NodeJS.ErrnoException) => resume(Effect.fail(error))
    server.once("error", onError)
    server.listen(port, host, () => {
      server.off("error", onError)
      resume(Effect.void)
    })
  })

const portOf = (server: Http.Server): number | undefined => {
  const address = server.address()
  return typeof address === "object" && address !== null ? address.port : undefined
}

const closeServer = (server: Http.Server) => Effect.promise(() => new Promise<void>((r) => server.close(() => r())))

/**
 * Binds the callback server to 127.0.0.1 and to `::1` when the machine has IPv6 loopback
 * (a browser may resolve `localhost` to either): retries a busy port 10 times 200 ms
 * apart, after one `GET /cancel` if `cancelExisting`. When `::1` exists but another
 * process holds its port, the login fails: that process would receive the callback.
 */
const bind = (makeServer: () => Http.Server, port: number, cancelExisting: boolean) =>
  Effect.gen(function*() {
    if (cancelExisting) {
      // Over the SDK's transport, like every request it makes; any answer (or none) will do.
      const transport = yield* CodexTransport
      const url = `http://127.0.0.1:${port}/cancel`
      yield* dispatch(transport, { method: "GET", url, headers: {} }, "GET /cancel", Duration.seconds(2)).pipe(
        Effect.flatMap((reply) =>
          Effect.sync(() => {
            reply.watchdog.clear()
            reply.reply.abort()
          })
        ),
        Effect.ignore
      )
    }
    for (let attempt = 0;; attempt++) {
      const server = makeServer()
      const bound = yield* Effect.either(listen(server, port, "127.0.0.1"))
      let busy: string
      if (bound._tag === "Right") {
        const v6 = makeServer()
        const boundPort = portOf(server) ?? port
        const second = yield* Effect.either(listen(v6, boundPort, "::1"))
        if (second._tag === "Right") return [server, v6]
        // No IPv6 loopback on this machine: 127.0.0.1 alone is fine.
        if (second.left.code !== "EADDRINUSE") return [server]
        yield* closeServer(server)
        // An ephemeral port that happens to be taken on ::1: pick another.
        if (port === 0 && attempt < 10) continue
        busy =
          `Port [::1]:${boundPort} is already in use by another process, which would receive the sign-in callback (EADDRINUSE).`
      } else {
        busy = `Port 127.0.0.1:${port} is already in use (${bound.left.code ?? "error"}).`
        if (bound.left.code !== "EADDRINUSE") return yield* new LoginFailed({ reason: "port_in_use", detail: busy })
      }
      if (attempt >= 10) return yield* new LoginFailed({ reason: "port_in_use", detail: busy })
      yield* Effect.sleep(Duration.millis(200))
    }
  })

/**
 * The browser login (§2.2): starts a callback server on `127.0.0.1:<port>`, opens the
 * authorize URL, checks `state` (a mismatch is answered 400 and ignored: it never ends the
 * login), exchanges the code, checks the workspace, runs the API-key exchange, persists,
 * and redirects the browser to `/success`. `/cancel?state=<the login's state>` ends the
 * login as cancelled. The pages are escaped and sent with `Content-Security-Policy:
 * default-src 'none'`; a request whose `Host` is not the loopback address, and a
 * cross-site request other than the callback navigation, are refused. Every
 * option is checked first: a bad one (a port outside 0–65535, a negative timeout...) fails
 * with `InvalidParameter` naming it.
 *
 * @example
 * ```ts
 * import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
 * import { Console, Effect, Layer } from "effect"
 * import { CodexConfig, CodexTransport, OAuth, TokenStore } from "codex-backend-sdk"
 *
 * OAuth.login().pipe(
 *   Effect.tap((result) => Console.log(`Signed in as ${result.email}`)),
 *   Effect.provide(
 *     TokenStore.layerFile().pipe(
 *       Layer.provideMerge(Layer.merge(CodexConfig.layerFromEnv(), CodexTransport.layerUndici))
 *     )
 *   ),
 *   NodeRuntime.runMain
 * )
 * ```
 *
 * @since 0.1.0
 * @category login
 */
export const login = (
  options: LoginOptions = {}
): Effect.Effect<
  LoginResult,
  LoginFailed | InvalidParameter | TokenStoreError,
  TokenStore | CodexConfig | CodexTransport
> =>
  Effect.gen(function*() {
    yield* validate(options, {
      port: isPort,
      openBrowser: isBoolean,
      onUrl: isFunction,
      timeout: isDuration,
      workspaceId: isWorkspace,
      requestApiKey: isBoolean,
      cancelExisting: isBoolean,
      onListening: isFunction
    })
    const config = yield* CodexConfig
    const runtime = yield* Effect.runtime<never>()
    const port = options.port ?? 1455
    const pkce = makePkce()
    const outcome = yield* Deferred.make<
      { readonly code: string; readonly respond: Http.ServerResponse; readonly redirectUri: string },
      LoginFailed
    >()
    const succeeded = yield* Deferred.make<void>()
    let redirectUri = ""

    let boundPort = port

    const handler = (request: Http.IncomingMessage, response: Http.ServerResponse) => {
      const url = new URL(request.url ?? "/", "http://localhost")
      const end = (status: number, body: string, headers: Record<string, string> = {}) => {
        response.writeHead(status, { ...pageHeaders, ...headers })
        response.end(body)
      }
      const fail = (error: LoginFailed) => Runtime.runSync(runtime)(Deferred.fail(outcome, error))
      // DNS rebinding: a page of another origin that resolves its name to 127.0.0.1.
      const host = request.headers.host ?? ""
      if (host !== `localhost:${boundPort}` && host !== `127.0.0.1:${boundPort}` && host !== `[::1]:${boundPort}`) {
        return end(400, page("Bad request", "This server answers on localhost only."))
      }
      // The callback is a cross-site navigation (a redirect from the issuer); nothing else
      // here may be requested by another site, and the callback only as a navigation.
      const crossSite = request.headers["sec-fetch-site"] === "cross-site"
      const mode = request.headers["sec-fetch-mode"]
      const navigation = mode === undefined || mode === "navigate"
      switch (url.pathname) {
        case "/auth/callback": {
          if (crossSite && !navigation) return end(403, page("Forbidden", "Cross-site requests are refused."))
          if (!sameState(url.searchParams.get("state"), pkce.state)) return end(400, "State mismatch")
          const error = url.searchParams.get("error")
          if (error !== null) {
            const description = scrub(url.searchParams.get("error_description") ?? error).slice(0, 2000)
            const failure = error === "access_denied" && description.includes("missing_codex_entitlement")
              ? new LoginFailed({ reason: "missing_codex_entitlement", detail: description })
              : new LoginFailed({ reason: "access_denied", detail: description })
            end(200, page("Sign-in failed", failure.message))
            return fail(failure)
          }
          const code = url.searchParams.get("code")
          if (code === null || code === "") {
            end(400, page("Sign-in failed", "The callback carried no authorization code."))
            return fail(
              new LoginFailed({ reason: "missing_authorization_code", detail: "the callback carried no code" })
            )
          }
          Runtime.runSync(runtime)(Deferred.succeed(outcome, { code, respond: response, redirectUri }))
          return
        }
        case "/success":
          end(200, page("Signed in to Codex", "You can close this window and return to the terminal."))
          Runtime.runSync(runtime)(Deferred.succeed(succeeded, undefined))
          return
        case "/cancel":
          // Only with this login's state: any web page could otherwise end it.
          if (crossSite) return end(403, page("Forbidden", "Cross-site requests are refused."))
          if (!sameState(url.searchParams.get("state"), pkce.state)) return end(400, "State mismatch")
          end(200, "Login cancelled")
          return fail(new LoginFailed({ reason: "cancelled", detail: "the login was cancelled" }))
        default:
          return end(404, "Not found")
      }
    }

    const servers = yield* Effect.acquireRelease(
      bind(() => Http.createServer(handler), port, options.cancelExisting === true),
      (servers) =>
        Effect.promise(() =>
          Promise.all(servers.map((s) =>
            new Promise<void>((r) => {
              s.closeAllConnections()
              s.close(() => r())
            })
          ))
        )
    )
    boundPort = (servers[0] === undefined ? undefined : portOf(servers[0])) ?? port
    if (options.onListening !== undefined) {
      yield* options.onListening(servers.map((server) => {
        const address = server.address()
        return typeof address === "object" && address !== null
          ? address.family === "IPv6" ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`
          : String(address)
      }))
    }
    redirectUri = `http://localhost:${boundPort}/auth/callback`
    const url = authorizeUrl(config, { redirectUri, pkce, workspaceId: options.workspaceId })
    yield* (options.onUrl ?? ((u: string) => Effect.sync(() => console.error(`Open this URL to sign in:\n${u}`))))(url)
    if (options.openBrowser !== false) yield* openInBrowser(url)

    const timeout = Duration.decode(options.timeout ?? Duration.minutes(15))
    const callback = yield* Deferred.await(outcome).pipe(
      Effect.timeoutFail({
        duration: timeout,
        onTimeout: () =>
          new LoginFailed({ reason: "timed_out", detail: `no sign-in within ${Duration.format(timeout)}` })
      })
    )
    const result = yield* Token.exchangeCode(config, {
      code: callback.code,
      redirectUri: callback.redirectUri,
      codeVerifier: pkce.verifier
    }).pipe(
      Effect.flatMap((issued) =>
        finish(config, issued, { workspaceId: options.workspaceId, requestApiKey: options.requestApiKey !== false })
      ),
      Effect.tapError((error) =>
        Effect.sync(() => {
          callback.respond.writeHead(200, pageHeaders)
          callback.respond.end(page("Sign-in failed", error.message))
        })
      )
    )
    callback.respond.writeHead(302, { ...pageHeaders, location: `http://localhost:${boundPort}/success` })
    callback.respond.end()
    // Serve /success to the browser before the server closes.
    yield* Deferred.await(succeeded).pipe(Effect.timeout(Duration.seconds(5)), Effect.ignore)
    return result
  }).pipe(Effect.scoped, Effect.withSpan("OAuth.login"))

/**
 * The code the user types at the verification page.
 *
 * @since 0.1.0
 * @category models
 */
export interface DeviceCode {
  readonly userCode: string
  /** `{issuer}/codex/device` */
  readonly verificationUrl: string
}

/**
 * Options of the device-code login.
 *
 * @since 0.1.0
 * @category models
 */
export interface LoginDeviceOptions {
  /** Shows the code (default: printed to stderr). */
  readonly onCode?: (code: DeviceCode) => Effect.Effect<void>
  /** Give up after this long (default 15 minutes, when the code expires). */
  readonly timeout?: Duration.DurationInput
  readonly workspaceId?: string
  /** Run the API-key exchange (default false, as the CLI does here). */
  readonly requestApiKey?: boolean
}

/**
 * The device-code login (§2.4), for machines without a browser: asks for a user code,
 * shows it, polls until the user approved it at `{issuer}/codex/device`, exchanges the
 * code with the server-supplied verifier, checks the workspace, persists.
 *
 * @since 0.1.0
 * @category login
 */
export const loginDevice = (
  options: LoginDeviceOptions = {}
): Effect.Effect<
  LoginResult,
  LoginFailed | InvalidParameter | TokenStoreError,
  TokenStore | CodexConfig | CodexTransport
> =>
  Effect.gen(function*() {
    yield* validate(options, {
      onCode: isFunction,
      timeout: isDuration,
      workspaceId: isWorkspace,
      requestApiKey: isBoolean
    })
    const config = yield* CodexConfig
    const deviceError = (detail: string, status?: number) =>
      new LoginFailed({ reason: "device_auth_failed", detail, ...(status === undefined ? {} : { status }) })
    const transport = (error: RefreshFailed) => deviceError(error.detail)
    const start = yield* Effect.mapError(
      Token.send(
        Token.post(joinUrl(config.authIssuer, "api/accounts/deviceauth/usercode"), {
          json: { client_id: Token.clientId }
        })
      ),
      transport
    )
    if (start.status === 404) {
      return yield* new LoginFailed({ reason: "device_auth_disabled", detail: "HTTP 404", status: 404 })
    }
    const body = start.json
    const deviceAuthId = isRecord(body) && typeof body["device_auth_id"] === "string"
      ? body["device_auth_id"]
      : undefined
    const userCodeRaw = isRecord(body) ? body["user_code"] ?? body["usercode"] : undefined
    const userCode = typeof userCodeRaw === "string" ? userCodeRaw : undefined
    if (start.status >= 300 || deviceAuthId === undefined || userCode === undefined) {
      return yield* deviceError(`could not start: ${Token.errorText(body, start.body)}`, start.status)
    }
    const intervalRaw = isRecord(body) ? Number(body["interval"]) : Number.NaN
    // At least 1 s between polls, whatever the issuer says; `slow_down` adds 5 s (RFC 8628).
    let interval = Duration.seconds(Math.max(1, Number.isFinite(intervalRaw) ? intervalRaw : 5))
    const code = { userCode, verificationUrl: joinUrl(config.authIssuer, "codex/device") }
    yield* (options.onCode ?? ((c: DeviceCode) =>
      Effect.sync(() =>
        console.error(`Open ${c.verificationUrl} and enter the code ${c.userCode} (it expires in 15 minutes).`)
      )))(code)

    const poll: Effect.Effect<{ code: string; verifier: string }, LoginFailed, CodexTransport> = Effect.gen(
      function*() {
        const reply = yield* Effect.mapError(
          Token.send(
            Token.post(joinUrl(config.authIssuer, "api/accounts/deviceauth/token"), {
              json: { device_auth_id: deviceAuthId, user_code: userCode }
            })
          ),
          transport
        )
        if (reply.status >= 300 && Token.errorCode(reply.json) === "slow_down") {
          interval = Duration.sum(interval, Duration.seconds(5))
          yield* Effect.sleep(interval)
          return yield* poll
        }
        if (reply.status === 403 || reply.status === 404) {
          yield* Effect.sleep(interval)
          return yield* poll
        }
        const json = reply.json
        const authorizationCode = isRecord(json) && typeof json["authorization_code"] === "string"
          ? json["authorization_code"]
          : undefined
        const verifier = isRecord(json) && typeof json["code_verifier"] === "string" ? json["code_verifier"] : undefined
        if (
          reply.status >= 300 || authorizationCode === undefined || verifier === undefined || !isRecord(json) ||
          typeof json["code_challenge"] !== "string"
        ) {
          return yield* deviceError(Token.errorText(json, reply.body), reply.status)
        }
        return { code: authorizationCode, verifier }
      }
    )

    const timeout = Duration.decode(options.timeout ?? Duration.minutes(15))
    const approved = yield* Effect.zipRight(
      Effect.suspend(() => Effect.sleep(interval)),
      poll
    ).pipe(
      Effect.timeoutFail({
        duration: timeout,
        onTimeout: () => new LoginFailed({ reason: "timed_out", detail: "device auth timed out after 15 minutes" })
      })
    )
    const issued = yield* Token.exchangeCode(config, {
      code: approved.code,
      redirectUri: joinUrl(config.authIssuer, "deviceauth/callback"),
      codeVerifier: approved.verifier
    })
    return yield* finish(config, issued, {
      workspaceId: options.workspaceId,
      requestApiKey: options.requestApiKey === true
    })
  }).pipe(Effect.withSpan("OAuth.loginDevice"))

/**
 * The API-key exchange (§2.5) for the login already stored: when `auth.json` holds no
 * `OPENAI_API_KEY`, trades the stored id token for one and stores it (the realtime
 * WebSocket helpers need it). Resolves to whether a key is stored afterwards: `false` when
 * the account has no Platform organisation (the issuer refuses the exchange). A login
 * that already has a key is left alone.
 *
 * @since 0.1.0
 * @category login
 */
export const requestApiKey: Effect.Effect<boolean, TokenStoreError, TokenStore | CodexConfig | CodexTransport> = Effect
  .gen(
    function*() {
      const store = yield* TokenStore
      const config = yield* CodexConfig
      const stored = yield* store.load
      if (stored === undefined) return false
      if (stored.apiKey !== undefined) return true
      const apiKey = yield* Token.exchangeApiKey(config, stored.idToken)
      if (apiKey === undefined) return false
      const now = new Date(yield* Clock.currentTimeMillis)
      // Stored only if the login is still the one whose id token was exchanged.
      return yield* store.modify((current) =>
        Effect.succeed(
          current !== undefined && Redacted.value(current.idToken) === Redacted.value(stored.idToken)
            ? [true, { apiKey, lastRefresh: current.lastRefresh ?? now }] as const
            : [false, undefined] as const
        )
      )
    }
  ).pipe(Effect.withSpan("OAuth.requestApiKey"))

/**
 * Logs out: revokes the refresh token (or the access token) at the issuer, then removes
 * the stored credentials — which also logs out the Codex CLI and IDE extension sharing
 * `auth.json`. A failed revoke is logged and the credentials are removed anyway (as the
 * CLI does); pass `revoke: false` to only remove them.
 *
 * @since 0.1.0
 * @category logout
 */
export const logout = (
  options: { readonly revoke?: boolean } = {}
): Effect.Effect<void, InvalidParameter | TokenStoreError, TokenStore | CodexConfig | CodexTransport> =>
  Effect.gen(function*() {
    yield* validate(options, { revoke: isBoolean })
    const store = yield* TokenStore
    const config = yield* CodexConfig
    const stored = yield* store.load
    if (stored !== undefined && options.revoke !== false) {
      yield* Token.revoke(config, { refreshToken: stored.refreshToken, accessToken: stored.accessToken }).pipe(
        Effect.catchAll((error) =>
          Effect.logWarning(`Token revocation failed; removing the local credentials anyway. ${error.message}`)
        )
      )
    }
    yield* store.clear
  }).pipe(Effect.withSpan("OAuth.logout"))
