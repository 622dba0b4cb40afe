/**
 * openai-node's `ClientOptions` for the Promise client: each one checked at construction
 * (a wrong one throws `InvalidParameter` naming it) and mapped onto the live stack's
 * layers, or refused when this backend has no meaning for it.
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { Context, Duration, Effect, Layer, Logger, LogLevel, Redacted } from "effect"
import type * as ConfigError from "effect/ConfigError"
import * as CodexAuth from "../../CodexAuth.js"
import * as CodexClient from "../../CodexClient.js"
import * as CodexConfig from "../../CodexConfig.js"
import { InvalidParameter } from "../../CodexError.js"
import * as CodexTransport from "../../CodexTransport.js"
import * as TokenStore from "../../TokenStore.js"

/**
 * openai-node's log levels.
 *
 * @since 0.1.0
 * @category models
 */
export type LogLevelName = "off" | "error" | "warn" | "info" | "debug"

/**
 * openai-node's `logger`: any object with these four methods (`console` is one).
 *
 * @since 0.1.0
 * @category models
 */
export interface LoggerLike {
  readonly error: (message: string, ...rest: Array<unknown>) => void
  readonly warn: (message: string, ...rest: Array<unknown>) => void
  readonly info: (message: string, ...rest: Array<unknown>) => void
  readonly debug: (message: string, ...rest: Array<unknown>) => void
}

/**
 * The openai-node options the Promise client honours, beside the `CodexConfig` ones.
 *
 * @since 0.1.0
 * @category models
 */
export interface NodeOptions {
  /** The Codex base URL (`CodexConfig.codexBaseUrl`), e.g. `http://127.0.0.1:8080/backend-api/codex`. */
  readonly baseURL?: string | undefined
  /**
   * A ChatGPT access token, used as is for every request (never refreshed, never written
   * to `auth.json`); the account comes from `accountId` or the token's claims.
   */
  readonly apiKey?: string | undefined
  /** The `ChatGPT-Account-Id` to send with `apiKey` (default: the one in the token). */
  readonly accountId?: string | undefined
  /** Milliseconds to wait for a reply's headers, per attempt (`requestTimeout`). */
  readonly timeout?: number | undefined
  /** Retries of a failure before the first byte (`CodexConfig.maxRetries`). */
  readonly maxRetries?: number | undefined
  /**
   * Headers added to every backend request. `Authorization` and `ChatGPT-Account-Id` are
   * refused (use `apiKey` / `accountId`); any other replaces the SDK's value.
   */
  readonly defaultHeaders?: Readonly<Record<string, string>> | undefined
  /** A `fetch` to send every request with (the transport and sign-in / refresh). */
  readonly fetch?: typeof globalThis.fetch | undefined
  /** The least severe log line written (default: Effect's, `info`). */
  readonly logLevel?: LogLevelName | undefined
  /** Where log lines go (default: Effect's logger, on the console). */
  readonly logger?: LoggerLike | undefined
}

/**
 * openai-node's per-request options, the second argument of every method.
 *
 * - `signal`: aborting it interrupts the call (and closes its HTTP connection at once);
 *   the call rejects with {@link APIUserAbortError}.
 * - `timeout`: milliseconds to wait for the reply's headers, per attempt (the call's
 *   `requestTimeout`); a stream's idle timeout is `streamIdleTimeout`, unchanged.
 * - `maxRetries`: retries of a failure before the first byte (the call's `maxRetries`);
 *   it also caps the whole-request redo of a collected `responses.create` after a cut stream
 *   (`maxStreamRetries`), so `maxRetries: 0` sends exactly once.
 *
 * `timeout` and `maxRetries` apply to that call alone (`CodexConfig.withCallPolicy`); a
 * negative `maxRetries` rejects with `InvalidParameter`, and so does any other of
 * openai-node's per-request options (`headers`, `query`, `idempotencyKey`...), which this
 * client would otherwise ignore. A test stack without live services
 * (`CodexClient.layerTest`) has nothing to retry: they change nothing there.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestOptions {
  readonly signal?: AbortSignal | undefined
  readonly timeout?: number | undefined
  readonly maxRetries?: number | undefined
}

const fail = (parameter: string, reason: string): never => {
  throw new InvalidParameter({ parameter, detail: reason })
}

/** openai-node options this backend has no meaning for, and why. */
const refused: ReadonlyArray<readonly [string, string]> = [
  ["defaultQuery", "the Codex backend takes no extra query parameters; pass them in the request instead"],
  ["organization", "a ChatGPT login has no organization header"],
  ["project", "a ChatGPT login has no project header"],
  ["webhookSecret", "the Codex backend sends no webhooks"],
  ["fetchOptions", "use `fetch` with a wrapper that sets them"],
  ["httpAgent", "use `fetch` (or the HTTPS_PROXY environment variable)"]
]

const reservedHeaders = new Set(["authorization", "chatgpt-account-id"])

const levels: Record<LogLevelName, LogLevel.LogLevel> = {
  off: LogLevel.None,
  error: LogLevel.Error,
  warn: LogLevel.Warning,
  info: LogLevel.Info,
  debug: LogLevel.Debug
}

const nonNegative = (name: string, value: unknown, integer: boolean): void => {
  if (value === undefined) return
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    fail(name, `expected a non-negative ${integer ? "integer" : "number"}`)
  }
}

const optionalString = (name: string, value: unknown): void => {
  if (value !== undefined && (typeof value !== "string" || value === "")) fail(name, "expected a non-empty string")
}

/**
 * Checks the openai-node options (throws `InvalidParameter` naming the first wrong one;
 * never quotes `apiKey`). `withLayer`: the client runs over a caller's layer, which the
 * connection options would silently not reach.
 *
 * @since 0.1.0
 * @category validation
 */
export const check = (given: NodeOptions, withLayer: boolean): void => {
  const options = given as NodeOptions & Readonly<Record<string, unknown>>
  for (const [name, reason] of refused) {
    if (options[name] !== undefined && options[name] !== null) fail(name, `not supported: ${reason}`)
  }
  if (options["dangerouslyAllowBrowser"] === true) {
    fail("dangerouslyAllowBrowser", "not supported: the client signs in with a ChatGPT login and runs on Node only")
  }
  optionalString("baseURL", options.baseURL)
  if (
    options.baseURL !== undefined && options["codexBaseUrl"] !== undefined &&
    options["codexBaseUrl"] !== options.baseURL
  ) {
    fail("baseURL", "differs from `codexBaseUrl`, which names the same URL: pass one")
  }
  optionalString("apiKey", options.apiKey)
  optionalString("accountId", options.accountId)
  if (options.accountId !== undefined && options.apiKey === undefined) {
    fail("accountId", "only meaningful with `apiKey`")
  }
  nonNegative("timeout", options.timeout, false)
  nonNegative("maxRetries", options.maxRetries, true)
  if (options.fetch !== undefined && typeof options.fetch !== "function") fail("fetch", "expected a function")
  if (options.logLevel !== undefined && !Object.hasOwn(levels, options.logLevel)) {
    fail("logLevel", `expected one of ${Object.keys(levels).join(", ")}`)
  }
  if (options.logger !== undefined) {
    for (const method of ["error", "warn", "info", "debug"] as const) {
      if (typeof options.logger?.[method] !== "function") fail("logger", `expected an object with a ${method}() method`)
    }
  }
  const headers = options.defaultHeaders
  if (headers !== undefined) {
    if (typeof headers !== "object" || headers === null) fail("defaultHeaders", "expected an object of strings")
    for (const [name, value] of Object.entries(headers)) {
      if (reservedHeaders.has(name.toLowerCase())) {
        fail("defaultHeaders", `${name} is set by the client from \`apiKey\` / \`accountId\` or the login`)
      }
      if (typeof value !== "string" || /[\r\n\0]/.test(value) || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
        fail("defaultHeaders", `${JSON.stringify(name)} is not a valid header`)
      }
    }
  }
  if (withLayer) {
    for (const name of ["baseURL", "apiKey", "fetch", "defaultHeaders", "timeout", "maxRetries"] as const) {
      if (options[name] !== undefined) fail(name, "not applied over `layer`, which brings its own configuration")
    }
  }
}

/** openai-node's per-request options that the Promise client does not apply. */
const refusedPerRequest = ["headers", "query", "body", "fetchOptions", "idempotencyKey", "path", "method"] as const

/**
 * Fails with `InvalidParameter` when a call's options (openai-node's second argument) name
 * one the client would otherwise silently ignore: only `signal`, `timeout` and
 * `maxRetries` are applied per request.
 *
 * @since 0.1.0
 * @category validation
 */
export const checkRequest = (options: object | undefined): Effect.Effect<void, InvalidParameter> => {
  const given = options as Readonly<Record<string, unknown>> | undefined
  const name = given === undefined ? undefined : refusedPerRequest.find((key) => given[key] !== undefined)
  return name === undefined ? Effect.void : Effect.fail(
    new InvalidParameter({
      parameter: name,
      detail:
        "not supported per request (only signal, timeout and maxRetries are); set defaultHeaders on the client instead of headers"
    })
  )
}

/** The request's headers with the default ones over them (names compared case-insensitively). */
const merge = (
  headers: Readonly<Record<string, string>>,
  defaults: Readonly<Record<string, string>>
): Record<string, string> => {
  const overridden = new Set(Object.keys(defaults).map((name) => name.toLowerCase()))
  const merged: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) if (!overridden.has(name.toLowerCase())) merged[name] = value
  return Object.assign(merged, defaults)
}

/** openai-node's logger as Effect's: each line to the method of its level. */
const toEffectLogger = (logger: LoggerLike): Logger.Logger<unknown, void> =>
  Logger.make(({ logLevel, message }) => {
    const text = (Array.isArray(message) ? message : [message]).map((part) =>
      typeof part === "string" ? part : String(part)
    ).join(" ")
    if (LogLevel.greaterThanEqual(logLevel, LogLevel.Error)) logger.error(text)
    else if (LogLevel.greaterThanEqual(logLevel, LogLevel.Warning)) logger.warn(text)
    else if (LogLevel.greaterThanEqual(logLevel, LogLevel.Info)) logger.info(text)
    else logger.debug(text)
  })

/**
 * The live stack for checked options: `CodexClient.layerWith`'s, with `apiKey` as static
 * credentials over an in-memory store, `fetch` as the HTTP client, the default headers on
 * every request, and the log level and logger.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: NodeOptions,
  config: CodexConfig.Options
): Layer.Layer<never, ConfigError.ConfigError> => {
  const { accountId, apiKey, baseURL, defaultHeaders, fetch, logLevel, logger, maxRetries, timeout } = options
  const configured = CodexConfig.layerFromEnv({
    ...config,
    ...(baseURL === undefined ? {} : { codexBaseUrl: baseURL }),
    ...(timeout === undefined ? {} : { requestTimeout: Duration.millis(timeout) }),
    ...(maxRetries === undefined ? {} : { maxRetries })
  })
  const baseTransport = fetch === undefined
    ? CodexTransport.layerUndici
    : CodexTransport.layerHttpClient.pipe(
      Layer.provide(FetchHttpClient.layer.pipe(Layer.provide(Layer.succeed(FetchHttpClient.Fetch, fetch))))
    )
  const transport = defaultHeaders === undefined || Object.keys(defaultHeaders).length === 0
    ? baseTransport
    : Layer.map(baseTransport, (context) => {
      const inner = Context.get(context, CodexTransport.CodexTransport)
      const upgrade = inner.upgrade
      return Context.add(context, CodexTransport.CodexTransport, {
        send: (request, onReply, onError) =>
          inner.send({ ...request, headers: merge(request.headers, defaultHeaders) }, onReply, onError),
        ...(upgrade === undefined ? {} : {
          upgrade: (request, onUpgrade, onReply, onError) =>
            upgrade({ ...request, headers: merge(request.headers, defaultHeaders) }, onUpgrade, onReply, onError)
        })
      })
    })
  const auth = apiKey === undefined
    ? Layer.provideMerge(CodexAuth.layer(), TokenStore.layerFile())
    : Layer.merge(
      CodexAuth.layerTokens({ accessToken: Redacted.make(apiKey), ...(accountId === undefined ? {} : { accountId }) }),
      TokenStore.layerMemory()
    )
  const logging = Layer.mergeAll(
    logLevel === undefined ? Layer.empty : Logger.minimumLogLevel(levels[logLevel]),
    logger === undefined ? Layer.empty : Logger.replace(Logger.defaultLogger, toEffectLogger(logger))
  )
  return CodexClient.layerServices.pipe(
    Layer.provideMerge(auth),
    Layer.provideMerge(Layer.merge(configured, transport)),
    Layer.provideMerge(logging)
  )
}
