/**
 * The one path every backend call takes: headers (§3), the credentials and their one
 * recovery after a 401 (§2.6), the headers timeout, error mapping (§6.2), and retries
 * before the first byte of the body (§6.4).
 *
 * @internal
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import type { HttpBody, HttpClientResponse } from "@effect/platform"
import { Clock, Effect, Option, Redacted } from "effect"
import type { Credentials, Service as Auth } from "../CodexAuth.js"
import { CodexAuth } from "../CodexAuth.js"
import type { Service as Config } from "../CodexConfig.js"
import { CodexConfig, withCurrentRetryPolicy } from "../CodexConfig.js"
import type { CodexError } from "../CodexError.js"
import { DecodeError, isRetryable, Timeout, TransportError, truncateFrame } from "../CodexError.js"
import { fromReply, replyMeta } from "./errors.js"
import { fromHeaders, hasHeaders, RateLimits } from "../RateLimits.js"
import { safeCause } from "./json.js"
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
      const body = yield* Effect.orElseSucceed(response.text, () => "")
      const now = yield* Clock.currentTimeMillis
      return fromReply({ status: response.status, headers: response.headers, body, endpoint: call.endpoint, model: call.model, now })
    })

  const headersTimeout = (call: Call) =>
    new Timeout({ phase: "headers", endpoint: call.endpoint, after: config.requestTimeout })

  const execute = (call: Call, credentials: Credentials) => {
    let request = call.method === "GET" ? HttpClientRequest.get(call.url) : HttpClientRequest.post(call.url)
    const signed = call.host === "api"
      ? { authorization: `Bearer ${Redacted.value(credentials.accessToken)}` }
      : authHeaders(config, credentials)
    request = HttpClientRequest.setHeaders(request, { ...signed, accept: call.accept, ...call.headers })
    if (call.payload !== undefined) request = HttpClientRequest.setBody(request, call.payload)
    else if (call.body !== undefined) request = HttpClientRequest.bodyUnsafeJson(request, call.body)
    return Effect.raceFirst(
      Effect.mapError(client.execute(request), (cause) => new TransportError({ endpoint: call.endpoint, cause: safeCause(cause) })),
      Effect.zipRight(Effect.sleep(config.requestTimeout), Effect.failSync(() => headersTimeout(call)))
    )
  }

  const once = (call: Call): Effect.Effect<HttpClientResponse.HttpClientResponse, CodexError> =>
    Effect.gen(function*() {
      const credentials = yield* auth.credentials
      let response = yield* execute(call, credentials)
      if (response.status === 401) {
        const rejected = yield* failure(call, response)
        const fresh = yield* auth.recover(credentials).pipe(
          Effect.mapError((error) => (error._tag === "AuthExpired" && error.reason === "unauthorized" ? rejected : error))
        )
        response = yield* execute(call, fresh)
      }
      if (rateLimits !== undefined && hasHeaders(response.headers)) {
        yield* rateLimits.update(credentials.accountId, fromHeaders(response.headers, yield* Clock.currentTimeMillis))
      }
      if (response.status >= 200 && response.status < 300) return response
      return yield* Effect.flip(failure(call, response))
    })

  const send = (call: Call) =>
    Effect.flatMap(withCurrentRetryPolicy(config), (policy) =>
      withRetries(policy, policy.maxRetries, call.endpoint, once(call), (error) => (isRetryable(error) ? error : undefined)))

  const backend: Backend = { config, auth, send }
  return backend
})

/**
 * Reads a 2xx reply's body as JSON: a body that cannot be read is a `TransportError`, one
 * that is not JSON a `DecodeError` (with the start of the text and the request id).
 *
 * @internal
 */
export const readJson = (
  call: Pick<Call, "endpoint">,
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<unknown, TransportError | DecodeError> =>
  Effect.flatMap(
    Effect.mapError(response.text, (cause) => new TransportError({ endpoint: call.endpoint, cause: safeCause(cause) })),
    (text) =>
      Effect.try({
        try: (): unknown => JSON.parse(text),
        catch: () =>
          new DecodeError({
            reason: `${call.endpoint} answered with something that is not JSON`,
            frame: truncateFrame(text),
            contentType: response.headers["content-type"] ?? "",
            ...replyMeta(response.status, response.headers)
          })
      })
  )
