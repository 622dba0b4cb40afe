/**
 * The one path every backend call takes: headers (§3), the credentials and their one
 * recovery after a 401 (§2.6), the headers timeout, error mapping (§6.2), and retries
 * before the first byte of the body (§6.4).
 *
 * @internal
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import type * as HttpBody from "@effect/platform/HttpBody"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import { Clock, Duration, Effect, Option, Redacted, Stream } from "effect"
import type { Credentials, Service as Auth } from "../CodexAuth.js"
import { CodexAuth } from "../CodexAuth.js"
import type { Service as Config } from "../CodexConfig.js"
import { CodexConfig, withCurrentCallPolicy } from "../CodexConfig.js"
import type { CodexError } from "../CodexError.js"
import { DecodeError, InvalidParameter, isRetryable, StreamInterrupted, Timeout, TransportError, truncateFrame } from "../CodexError.js"
import { fromHeaders, hasHeaders, RateLimits } from "../RateLimits.js"
import { fromReply, replyMeta } from "./errors.js"
import { formatBytes, isHeaderSafe, safeCause } from "./json.js"
import { withRetries } from "./retry.js"

/** One backend call. @internal */
export interface Call {
  /** `"POST /responses"`: names the call in errors and logs (never a token or a query). */
  readonly endpoint: string
  readonly url: string
  readonly method: "GET" | "POST"
  /** A JSON body. */
  readonly body?: unknown
  /** Any other body (SDP text, multipart form); wins over `body`. */
  readonly payload?: HttpBody.HttpBody
  readonly accept: string
  /**
   * Which credentials the host takes: `"chatgpt"` (default) sends the headers of §3
   * (account id, originator, version, User-Agent); `"api"` (`api.openai.com`, §11) sends
   * the bearer token and nothing else.
   */
  readonly host?: "chatgpt" | "api"
  readonly headers?: Readonly<Record<string, string>>
  /** The model, for `ModelNotAvailable`. */
  readonly model?: string | undefined
}

/**
 * Joins a base and a path with exactly one `/` (§1).
 *
 * @internal
 */
export const joinUrl = (base: string, path: string): string => `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`

/** The headers of §3 for a `chatgpt.com` route. @internal */
export const authHeaders = (config: Config, credentials: Credentials): Record<string, string> => {
  const headers: Record<string, string> = {
    authorization: `Bearer ${Redacted.value(credentials.accessToken)}`,
    originator: config.originator,
    "user-agent": config.userAgent,
    version: config.clientVersion
  }
  if (credentials.accountId !== undefined) headers["chatgpt-account-id"] = credentials.accountId
  if (credentials.fedramp) headers["x-openai-fedramp"] = "true"
  return headers
}

/**
 * The name of the first header whose value could not be sent as is (CR, LF, NUL or a
 * character outside Latin-1), or `undefined`. One regular-expression test per header.
 *
 * @internal
 */
export const unsafeHeader = (headers: Readonly<Record<string, string | undefined>>): string | undefined => {
  for (const name in headers) {
    const value = headers[name]
    if (value !== undefined && !isHeaderSafe(value)) return name
  }
  return undefined
}

/** How much of an error body (or any reply read only for a message) is read: 64 KB. @internal */
export const maxErrorBodyBytes = 64 * 1024

/** The start of a reply body, and whether there was more. @internal */
export interface CappedText {
  readonly text: string
  /** The body was longer than the cap; the rest was not read (the request is aborted). */
  readonly truncated: boolean
}

/**
 * Reads a reply body up to `maxBytes`, then stops (the rest is never buffered). The one
 * way this SDK reads a whole body: error bodies with {@link maxErrorBodyBytes}, JSON
 * replies with `config.maxEventBytes` (see {@link readBody}).
 *
 * @internal
 */
export const readText = (
  response: HttpClientResponse.HttpClientResponse,
  maxBytes: number
): Effect.Effect<CappedText, HttpClientError.ResponseError> =>
  Effect.map(
    Stream.runFoldWhile(
      response.stream,
      { chunks: new Array<Uint8Array>(), size: 0 },
      (state) => state.size <= maxBytes,
      (state, chunk) => {
        state.chunks.push(chunk)
        state.size += chunk.length
        return state
      }
    ),
    ({ chunks, size }) => ({
      text: Buffer.concat(chunks, Math.min(size, maxBytes)).toString("utf8"),
      truncated: size > maxBytes
    })
  )


/**
 * Reads a 2xx reply body (JSON) up to `maxBytes` (`config.maxEventBytes`): a longer body is
 * a `DecodeError`, a broken one `StreamInterrupted`.
 *
 * @internal
 */
export const readBody = (
  response: HttpClientResponse.HttpClientResponse,
  maxBytes: number
): Effect.Effect<string, DecodeError | StreamInterrupted> =>
  Effect.flatMap(
    Effect.mapError(
      readText(response, maxBytes),
      (cause) => new StreamInterrupted({ eventsReceived: 0, cause: safeCause(cause), ...replyMeta(response.status, response.headers) })
    ),
    ({ text, truncated }) =>
      truncated
        ? Effect.fail(
          new DecodeError({
            reason: `the reply is larger than ${formatBytes(maxBytes)} (maxEventBytes)`,
            ...replyMeta(response.status, response.headers)
          })
        )
        : Effect.succeed(text)
  )

/**
 * Bounds a whole call by `config.requestDeadline` (when set): `Timeout { phase:
 * "deadline" }` after it. Every endpoint wraps its call (sending, retries and reading the
 * body) in this.
 *
 * @internal
 */
export const withDeadline = (config: Config, endpoint: string) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | Timeout, R> => {
  const deadline = config.requestDeadline
  if (deadline === undefined) return effect
  return Effect.timeoutFail(effect, {
    duration: deadline,
    onTimeout: () => new Timeout({ phase: "deadline", endpoint, after: deadline })
  })
}

/** @internal */
export interface Backend {
  readonly config: Config
  readonly auth: Auth
  /**
   * Sends a call and returns its 2xx reply, after at most one credential recovery on 401
   * and `config.maxRetries` retries of retryable failures. The body is not read.
   */
  readonly send: (call: Call) => Effect.Effect<HttpClientResponse.HttpClientResponse, CodexError>
}

/** @internal */
export const makeBackend = Effect.gen(function*() {
  const config = yield* CodexConfig
  const auth = yield* CodexAuth
  const rateLimits = Option.getOrUndefined(yield* Effect.serviceOption(RateLimits))
  // No trace headers (`traceparent`, `b3`) go to a third-party backend.
  const client = (yield* HttpClient.HttpClient).pipe(HttpClient.withTracerPropagation(false))

  /** Reads a non-2xx reply into its typed error. */
  const failure = (call: Call, response: HttpClientResponse.HttpClientResponse): Effect.Effect<CodexError> =>
    Effect.gen(function*() {
      const { text: body } = yield* Effect.orElseSucceed(readText(response, maxErrorBodyBytes), () => ({ text: "", truncated: false }))
      const now = yield* Clock.currentTimeMillis
      return fromReply({ status: response.status, headers: response.headers, body, endpoint: call.endpoint, model: call.model, now })
    })

  const headersTimeout = (call: Call, after: Duration.Duration) => new Timeout({ phase: "headers", endpoint: call.endpoint, after })

  const execute = (call: Call, credentials: Credentials, timeout: Duration.Duration) => {
    const signed = call.host === "api"
      ? { authorization: `Bearer ${Redacted.value(credentials.accessToken)}` }
      : authHeaders(config, credentials)
    const headers = { ...signed, accept: call.accept, ...call.headers }
    // A header value undici would refuse is bad input, not a transport failure to retry.
    const unsafe = unsafeHeader(headers)
    if (unsafe !== undefined) {
      return Effect.fail(
        new InvalidParameter({
          parameter: unsafe === "authorization" ? "access token" : unsafe,
          reason: `the value of the "${unsafe}" header contains CR, LF, NUL or characters outside Latin-1`
        })
      )
    }
    let request = call.method === "GET" ? HttpClientRequest.get(call.url) : HttpClientRequest.post(call.url)
    request = HttpClientRequest.setHeaders(request, headers)
    if (call.payload !== undefined) request = HttpClientRequest.setBody(request, call.payload)
    else if (call.body !== undefined) request = HttpClientRequest.bodyUnsafeJson(request, call.body)
    return Effect.raceFirst(
      Effect.mapError(client.execute(request), (cause) => new TransportError({ endpoint: call.endpoint, cause: safeCause(cause) })),
      Effect.zipRight(Effect.sleep(timeout), Effect.failSync(() => headersTimeout(call, timeout)))
    )
  }

  const once = (call: Call, timeout: Duration.Duration): Effect.Effect<HttpClientResponse.HttpClientResponse, CodexError> =>
    Effect.gen(function*() {
      const credentials = yield* auth.credentials
      let response = yield* execute(call, credentials, timeout)
      if (response.status === 401) {
        const rejected = yield* failure(call, response)
        const fresh = yield* auth.recover(credentials).pipe(
          Effect.mapError((error) => (error._tag === "AuthExpired" && error.reason === "unauthorized" ? rejected : error))
        )
        response = yield* execute(call, fresh, timeout)
      }
      if (rateLimits !== undefined && hasHeaders(response.headers)) {
        yield* rateLimits.update(credentials.accountId, fromHeaders(response.headers, yield* Clock.currentTimeMillis))
      }
      if (response.status >= 200 && response.status < 300) return response
      return yield* Effect.flip(failure(call, response))
    })

  const send = (call: Call) =>
    Effect.flatMap(withCurrentCallPolicy(config), (policy) =>
      withRetries(policy, policy.maxRetries, call.endpoint, once(call, policy.requestTimeout), (error) => (isRetryable(error) ? error : undefined)))

  const backend: Backend = { config, auth, send }
  return backend
})

/**
 * Reads a 2xx reply's body as JSON, up to `maxBytes` (`config.maxEventBytes`): a body that
 * breaks is `StreamInterrupted`, a larger one or one that is not JSON a `DecodeError` (with
 * the start of the text and the request id).
 *
 * @internal
 */
export const readJson = (
  call: Pick<Call, "endpoint">,
  response: HttpClientResponse.HttpClientResponse,
  maxBytes: number
): Effect.Effect<unknown, DecodeError | StreamInterrupted> =>
  Effect.flatMap(readBody(response, maxBytes), (text) =>
    Effect.try({
      try: (): unknown => JSON.parse(text),
      catch: () =>
        new DecodeError({
          reason: `${call.endpoint} answered with something that is not JSON`,
          frame: truncateFrame(text),
          contentType: response.headers["content-type"] ?? "",
          ...replyMeta(response.status, response.headers)
        })
    }))
