/**
 * The one path every backend call takes: headers (§3), the credentials and their one
 * recovery after a 401 (§2.6), the headers timeout, error mapping (§6.2), and retries
 * before the first byte of the body (§6.4).
 *
 * @internal
 */
import type { Duration } from "effect"
import { Clock, Effect, Option, Redacted, Schema } from "effect"
import type { Credentials, Service as Auth } from "../CodexAuth.js"
import { CodexAuth } from "../CodexAuth.js"
import type { Service as Config } from "../CodexConfig.js"
import { CodexConfig, withCurrentCallPolicy } from "../CodexConfig.js"
import type { CodexError, StreamInterrupted } from "../CodexError.js"
import { DecodeError, isRetryable, Timeout, truncateFrame } from "../CodexError.js"
import { CodexTransport } from "../CodexTransport.js"
import { fromHeaders, hasHeaders, RateLimits } from "../RateLimits.js"
import type { BackendReply } from "./dispatch.js"
import { dispatch, readText } from "./dispatch.js"
import { fromReply, replyMeta } from "./errors.js"
import { formatBytes } from "./formatBytes.js"
import { retrySchedule, withRetries } from "./retry.js"
import { maxErrorBodyBytes } from "./wire.js"

/** A body other than JSON: SDP text, a multipart form. @internal */
export interface Payload {
  readonly contentType: string
  readonly body: string | Uint8Array
}

/** One backend call. @internal */
export interface Call {
  /** `"POST /responses"`: names the call in errors and logs (never a token or a query). */
  readonly endpoint: string
  readonly url: string
  readonly method: "GET" | "POST"
  /** A JSON body. */
  readonly body?: unknown
  /** Any other body (SDP text, multipart form); wins over `body`. */
  readonly payload?: Payload
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
 * Reads a 2xx reply body (JSON) up to `maxBytes` (`config.maxEventBytes`): a longer body is
 * a `DecodeError`, a broken one `StreamInterrupted`.
 *
 * @internal
 */
export const readBody = (
  response: BackendReply,
  maxBytes: number
): Effect.Effect<string, DecodeError | StreamInterrupted> =>
  Effect.flatMap(
    readText(response, maxBytes),
    ({ text, truncated }) =>
      truncated
        ? Effect.fail(
          new DecodeError({
            detail: `the reply is larger than ${formatBytes(maxBytes)} (maxEventBytes)`,
            ...replyMeta(response)
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
export const withDeadline =
  (config: Config, endpoint: string) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | Timeout, R> => {
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
  readonly send: (call: Call) => Effect.Effect<BackendReply, CodexError>
  /**
   * Notes a reply's rate-limit headers, and answers a 2xx with it and anything else with
   * its typed error (§6.2). For replies that did not come through `send` (a refused
   * WebSocket handshake, an error frame).
   */
  readonly settle: (
    call: Call,
    credentials: Credentials,
    response: BackendReply
  ) => Effect.Effect<BackendReply, CodexError>
}

/** @internal */
export const makeBackend = Effect.gen(function*() {
  const config = yield* CodexConfig
  const auth = yield* CodexAuth
  const rateLimits = Option.getOrUndefined(yield* Effect.serviceOption(RateLimits))
  // No trace headers (`traceparent`, `b3`) go to a third-party backend.
  const transport = yield* CodexTransport

  /** Reads a non-2xx reply into its typed error. */
  const failure = (call: Call, response: BackendReply): Effect.Effect<CodexError> =>
    Effect.flatMap(
      Effect.orElseSucceed(readText(response, maxErrorBodyBytes), () => ({ text: "", truncated: false })),
      ({ text: body }) =>
        Effect.map(Clock.currentTimeMillis, (now) =>
          fromReply({
            status: response.status,
            headers: response.headers,
            body,
            endpoint: call.endpoint,
            model: call.model,
            now
          }))
    )

  /** The signed headers of a set of credentials, built and checked once per set. */
  const signedHeaders = new WeakMap<Credentials, Readonly<Record<string, string>>>()
  const apiHeaders = new WeakMap<Credentials, Readonly<Record<string, string>>>()
  const signed = (call: Call, credentials: Credentials): Readonly<Record<string, string>> => {
    const cache = call.host === "api" ? apiHeaders : signedHeaders
    let headers = cache.get(credentials)
    if (headers === undefined) {
      headers = call.host === "api"
        ? { authorization: `Bearer ${Redacted.value(credentials.accessToken)}` }
        : authHeaders(config, credentials)
      cache.set(credentials, headers)
    }
    return headers
  }

  const execute = (
    call: Call,
    credentials: Credentials,
    timeout: Duration.Duration
  ): Effect.Effect<BackendReply, CodexError> => {
    const headers: Record<string, string> = { ...signed(call, credentials), accept: call.accept, ...call.headers }
    let body: string | Uint8Array | undefined
    if (call.payload !== undefined) {
      headers["content-type"] = call.payload.contentType
      body = call.payload.body
    } else if (call.body !== undefined) {
      headers["content-type"] = "application/json"
      body = JSON.stringify(call.body)
    }
    return dispatch(transport, { method: call.method, url: call.url, headers, body }, call.endpoint, timeout)
  }

  const once = (call: Call, timeout: Duration.Duration): Effect.Effect<BackendReply, CodexError> =>
    Effect.flatMap(
      auth.credentials,
      (credentials) =>
        Effect.flatMap(execute(call, credentials, timeout), (first): Effect.Effect<BackendReply, CodexError> => {
          if (first.status !== 401) return settle(call, credentials, first)
          return Effect.flatMap(failure(call, first), (rejected) =>
            auth.recover(credentials).pipe(
              Effect.mapError((
                error
              ) => (error._tag === "AuthExpired" && error.reason === "unauthorized" ? rejected : error)),
              Effect.flatMap((fresh) => execute(call, fresh, timeout)),
              Effect.flatMap((response) => settle(call, credentials, response))
            ))
        })
    )

  /** Notes the rate-limit headers; a 2xx reply is the answer, anything else its typed error. */
  const settle = (
    call: Call,
    credentials: Credentials,
    response: BackendReply
  ): Effect.Effect<BackendReply, CodexError> => {
    const ok = response.status >= 200 && response.status < 300
    const result = ok ? Effect.succeed(response) : Effect.flip(failure(call, response))
    if (rateLimits === undefined || !hasHeaders(response.headers)) return result
    return Effect.zipRight(
      Effect.flatMap(
        Clock.currentTimeMillis,
        (now) => rateLimits.update(credentials.accountId, fromHeaders(response.headers, now))
      ),
      result
    )
  }

  const send = (call: Call) =>
    Effect.flatMap(
      withCurrentCallPolicy(config),
      (policy) =>
        withRetries(
          () => retrySchedule(policy),
          call.endpoint,
          once(call, policy.requestTimeout),
          (error) => (isRetryable(error) ? error : undefined)
        )
    )

  const backend: Backend = { config, auth, send, settle }
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
  response: BackendReply,
  maxBytes: number
): Effect.Effect<unknown, DecodeError | StreamInterrupted> =>
  Effect.flatMap(readBody(response, maxBytes), (text) => parseJson(call, response, text))

const parseJson = (
  call: Pick<Call, "endpoint">,
  response: BackendReply,
  text: string
): Effect.Effect<unknown, DecodeError> =>
  Effect.try({
    try: (): unknown => JSON.parse(text),
    catch: () =>
      new DecodeError({
        detail: `${call.endpoint} answered with something that is not JSON`,
        frame: truncateFrame(text),
        contentType: response.headers["content-type"] ?? "",
        ...replyMeta(response)
      })
  })

/**
 * Reads a 2xx reply's JSON body (as {@link readJson}) and decodes it with `schema`: a reply
 * of another shape is a `DecodeError` naming what does not fit, with the start of the text.
 *
 * @internal
 */
export const readDecoded = <A, I>(
  call: Pick<Call, "endpoint">,
  response: BackendReply,
  maxBytes: number,
  schema: Schema.Schema<A, I>
): Effect.Effect<A, DecodeError | StreamInterrupted> =>
  Effect.flatMap(
    readBody(response, maxBytes),
    (text) =>
      Effect.flatMap(parseJson(call, response, text), (json) =>
        Effect.mapError(
          Schema.decodeUnknown(schema)(json),
          (error) =>
            new DecodeError({
              detail: `unexpected ${call.endpoint} reply: ${error.message}`,
              frame: truncateFrame(text),
              ...replyMeta(response)
            })
        ))
  )
