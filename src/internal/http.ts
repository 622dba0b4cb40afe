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
import { Clock, Effect, Redacted } from "effect"
import type { Credentials } from "../CodexAuth.js"
import { CodexAuth } from "../CodexAuth.js"
import type { Service as Config } from "../CodexConfig.js"
import { CodexConfig } from "../CodexConfig.js"
import type { CodexError } from "../CodexError.js"
import { isRetryable, Timeout, TransportError } from "../CodexError.js"
import { fromReply } from "./errors.js"
import { safeCause } from "./json.js"
import { withRetries } from "./retry.js"

/** One backend call. @internal */
export interface Call {
  /** `"POST /responses"`: names the call in errors and logs (never a token or a query). */
  readonly endpoint: string
  readonly url: string
  readonly method: "GET" | "POST"
  readonly body?: unknown
  readonly accept: string
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
    request = HttpClientRequest.setHeaders(request, { ...authHeaders(config, credentials), accept: call.accept, ...call.headers })
    if (call.body !== undefined) request = HttpClientRequest.bodyUnsafeJson(request, call.body)
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
      if (response.status >= 200 && response.status < 300) return response
      return yield* Effect.flip(failure(call, response))
    })

  const send = (call: Call) =>
    withRetries(config, config.maxRetries, call.endpoint, once(call), (error) => (isRetryable(error) ? error : undefined))

  const backend: Backend = { config, send }
  return backend
})
