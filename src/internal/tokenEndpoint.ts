/**
 * Calls of the OAuth issuer (protocol §2.3–2.7): code exchange, refresh, API-key
 * exchange, revoke. Every token in and out is `Redacted`.
 *
 * @internal
 */
import { Duration, Effect, Redacted } from "effect"
import type { Service as Config } from "../CodexConfig.js"
import { AuthExpired, LoginFailed, RefreshFailed } from "../CodexError.js"
import type { AuthExpiredReason } from "../CodexError.js"
import type { Request } from "../CodexTransport.js"
import { CodexTransport } from "../CodexTransport.js"
import { dispatch, readText } from "./dispatch.js"
import { isRecord, str } from "./jsonGuards.js"
import { heldSecret, scrub } from "./scrub.js"
import { joinUrl, maxErrorBodyBytes } from "./wire.js"

/** The Codex CLI's OAuth client id (§2.1). @internal */
export const clientId = "app_EMoamEEZ73f0CkXaXp7hrann"

/** The default time limit of one token-endpoint call (protocol §2.4: 30 s). @internal */
export const defaultTimeout = Duration.seconds(30)

/**
 * Failures after which the request may have reached the issuer with no answer coming back
 * (a timeout, a connection lost after sending, a body that broke off): a refresh token
 * sent in such a request may have been rotated and must not be sent again.
 */
const unanswered = new WeakSet<RefreshFailed>()

/**
 * Whether a `RefreshFailed` left the outcome unknown: the request may have been received
 * (and a refresh token rotated) though no answer came back.
 *
 * @internal
 */
export const isUnanswered = (error: RefreshFailed): boolean => unanswered.has(error)

const markUnanswered = (error: RefreshFailed): RefreshFailed => {
  unanswered.add(error)
  return error
}

/** Connection errors that prove nothing was sent. */
const notSent: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  // CodexTransport's mark for a proxy that closed the CONNECT: no byte reached the issuer.
  "EPROXYTUNNEL"
])

const errorCodes = (cause: unknown): Array<string> => {
  const codes: Array<string> = []
  for (let at: unknown = cause, depth = 0; isRecord(at) && depth < 6; at = at["cause"], depth++) {
    if (typeof at["code"] === "string") codes.push(at["code"])
  }
  return codes
}

/** Tokens a token-endpoint reply carried; each may be absent on a refresh. @internal */
export interface IssuedTokens {
  readonly idToken: Redacted.Redacted<string> | undefined
  readonly accessToken: Redacted.Redacted<string> | undefined
  readonly refreshToken: Redacted.Redacted<string> | undefined
}

const issued = (json: unknown): IssuedTokens => {
  const get = (key: string) => {
    const value = isRecord(json) ? str(json[key]) : undefined
    return value === undefined ? undefined : heldSecret(value)
  }
  return { idToken: get("id_token"), accessToken: get("access_token"), refreshToken: get("refresh_token") }
}

/** The error text of a token-endpoint reply (§2.3), scrubbed of any token it echoes. @internal */
export const errorText = (json: unknown, body: string): string => {
  if (isRecord(json)) {
    const error = json["error"]
    const text = str(json["error_description"]) ??
      (isRecord(error) ? str(error["message"]) : undefined) ??
      str(error) ??
      (isRecord(error) ? str(error["code"]) : undefined)
    if (text !== undefined) return scrub(text.slice(0, 2000 + 16_384)).slice(0, 2000)
  }
  return scrub(body.slice(0, 500 + 16_384)).slice(0, 500)
}

/** The error code of a refresh failure (§2.6): `error.code`, else `error` as a string, else `code`. @internal */
export const errorCode = (json: unknown): string | undefined => {
  if (!isRecord(json)) return undefined
  const error = json["error"]
  return (isRecord(error) ? str(error["code"]) : undefined) ?? str(error) ?? str(json["code"])
}

/** @internal */
export interface Reply {
  readonly status: number
  readonly json: unknown
  readonly body: string
}

/**
 * A `POST` to the issuer: a JSON body, or a form (`application/x-www-form-urlencoded`).
 *
 * @internal
 */
export const post = (
  url: string,
  body: { readonly json: Readonly<Record<string, string>> } | { readonly form: Readonly<Record<string, string>> },
  headers: Readonly<Record<string, string>> = {}
): Request => {
  const [contentType, text] = "json" in body
    ? ["application/json", JSON.stringify(body.json)]
    : ["application/x-www-form-urlencoded", new URLSearchParams(body.form).toString()]
  return { method: "POST", url, headers: { ...headers, "content-type": contentType }, body: text }
}

/**
 * Sends a request to the issuer over the `CodexTransport` (so the transport's proxy, pool
 * or test double applies, as to every backend call) and reads the reply (up to 64 KB; the
 * token endpoint's replies are a few KB). A failure that leaves the outcome unknown is
 * marked (see {@link isUnanswered}).
 *
 * @internal
 */
export const send = (
  request: Request,
  timeout: Duration.DurationInput = defaultTimeout
): Effect.Effect<Reply, RefreshFailed, CodexTransport> =>
  Effect.gen(function*() {
    const transport = yield* CodexTransport
    const limit = Duration.decode(timeout)
    const noAnswer = () =>
      markUnanswered(
        new RefreshFailed({ detail: `the token endpoint did not answer within ${Duration.format(limit)}` })
      )
    const reply = yield* dispatch(transport, request, `POST ${new URL(request.url).pathname}`, limit).pipe(
      Effect.flatMap((reply) => Effect.map(readText(reply, maxErrorBodyBytes), ({ text }) => ({ reply, body: text }))),
      Effect.timeoutFail({ duration: limit, onTimeout: noAnswer }),
      Effect.catchTags({
        // A header value the client would refuse (CR/LF in CODEX_ORIGINATOR...) fails
        // before anything is sent: not an unanswered refresh, which would retire the token.
        InvalidParameter: (error) => Effect.fail(new RefreshFailed({ detail: `${error.detail}; nothing was sent` })),
        Timeout: () => Effect.fail(noAnswer()),
        TransportError: (error) => {
          const failure = new RefreshFailed({
            detail: `could not reach the token endpoint${
              error.cause instanceof Error ? ` (${scrub(error.cause.message).slice(0, 300)})` : ""
            }`,
            cause: error.cause
          })
          return Effect.fail(
            errorCodes(error.cause).some((code) => notSent.has(code)) ? failure : markUnanswered(failure)
          )
        },
        StreamInterrupted: (error) =>
          Effect.fail(
            markUnanswered(new RefreshFailed({ detail: "the token endpoint's reply broke off", cause: error.cause }))
          )
      })
    )
    let json: unknown = undefined
    try {
      json = JSON.parse(reply.body)
    } catch {
      // not JSON: the raw body is used in messages
    }
    return { status: reply.reply.status, json, body: reply.body }
  })

const reasons: Readonly<Record<string, AuthExpiredReason>> = {
  refresh_token_expired: "refresh_token_expired",
  refresh_token_reused: "refresh_token_reused",
  refresh_token_invalidated: "refresh_token_invalidated"
}

/**
 * `POST {issuer}/oauth/token` with the JSON refresh grant (no `scope`, §2.6). A 401 is
 * permanent (`AuthExpired` with the reason of its code); anything else is `RefreshFailed`.
 *
 * @internal
 */
export const refresh = (
  config: Config,
  refreshToken: Redacted.Redacted<string>,
  timeout: Duration.DurationInput = defaultTimeout
): Effect.Effect<IssuedTokens, AuthExpired | RefreshFailed, CodexTransport> =>
  Effect.flatMap(
    send(
      post(
        joinUrl(config.authIssuer, "oauth/token"),
        {
          json: { client_id: clientId, grant_type: "refresh_token", refresh_token: Redacted.value(refreshToken) }
        },
        { originator: config.originator, "user-agent": config.userAgent, accept: "application/json" }
      ),
      timeout
    ),
    (reply): Effect.Effect<IssuedTokens, AuthExpired | RefreshFailed> => {
      if (reply.status >= 200 && reply.status < 300) return Effect.succeed(issued(reply.json))
      if (reply.status === 401) {
        const code = errorCode(reply.json)
        return Effect.fail(
          new AuthExpired({
            reason: (code === undefined ? undefined : reasons[code]) ?? "refresh_rejected",
            ...(code === undefined ? {} : { errorCode: scrub(code).slice(0, 200) }),
            status: 401
          })
        )
      }
      return Effect.fail(new RefreshFailed({ status: reply.status, detail: errorText(reply.json, reply.body) }))
    }
  )

/**
 * `POST {issuer}/oauth/token`, form-encoded authorization-code grant (§2.3). The reply
 * must carry all three tokens.
 *
 * @internal
 */
export const exchangeCode = (
  config: Config,
  options: { readonly code: string; readonly redirectUri: string; readonly codeVerifier: string }
): Effect.Effect<
  {
    readonly idToken: Redacted.Redacted<string>
    readonly accessToken: Redacted.Redacted<string>
    readonly refreshToken: Redacted.Redacted<string>
  },
  LoginFailed,
  CodexTransport
> =>
  Effect.flatMap(
    Effect.mapError(
      send(
        post(joinUrl(config.authIssuer, "oauth/token"), {
          form: {
            grant_type: "authorization_code",
            code: options.code,
            redirect_uri: options.redirectUri,
            client_id: clientId,
            code_verifier: options.codeVerifier
          }
        })
      ),
      (error) => new LoginFailed({ reason: "token_exchange_failed", detail: error.detail })
    ),
    (reply) => {
      const tokens = issued(reply.json)
      if (reply.status < 200 || reply.status >= 300) {
        return Effect.fail(
          new LoginFailed({
            reason: "token_exchange_failed",
            detail: errorText(reply.json, reply.body),
            status: reply.status
          })
        )
      }
      if (tokens.idToken === undefined || tokens.accessToken === undefined || tokens.refreshToken === undefined) {
        return Effect.fail(
          new LoginFailed({ reason: "token_exchange_failed", detail: "the reply lacks a token", status: reply.status })
        )
      }
      return Effect.succeed({
        idToken: tokens.idToken,
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken
      })
    }
  )

/**
 * The API-key token exchange (§2.5): best effort, `undefined` on any failure.
 *
 * @internal
 */
export const exchangeApiKey = (
  config: Config,
  idToken: Redacted.Redacted<string>
): Effect.Effect<Redacted.Redacted<string> | undefined, never, CodexTransport> =>
  send(
    post(joinUrl(config.authIssuer, "oauth/token"), {
      form: {
        grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
        client_id: clientId,
        requested_token: "openai-api-key",
        subject_token: Redacted.value(idToken),
        subject_token_type: "urn:ietf:params:oauth:token-type:id_token"
      }
    })
  ).pipe(
    Effect.map((reply) => (reply.status >= 200 && reply.status < 300 ? issued(reply.json).accessToken : undefined)),
    Effect.orElseSucceed(() => undefined)
  )

/**
 * `POST {issuer}/oauth/revoke` (§2.7): the refresh token with the client id, else the
 * access token without it.
 *
 * @internal
 */
export const revoke = (
  config: Config,
  token: {
    readonly refreshToken?: Redacted.Redacted<string> | undefined
    readonly accessToken?: Redacted.Redacted<string> | undefined
  }
): Effect.Effect<void, RefreshFailed, CodexTransport> => {
  const body = token.refreshToken !== undefined
    ? { token: Redacted.value(token.refreshToken), token_type_hint: "refresh_token", client_id: clientId }
    : token.accessToken !== undefined
    ? { token: Redacted.value(token.accessToken), token_type_hint: "access_token" }
    : undefined
  if (body === undefined) return Effect.void
  return Effect.flatMap(
    send(post(joinUrl(config.authIssuer, "oauth/revoke"), { json: body })),
    (reply) =>
      reply.status >= 200 && reply.status < 300
        ? Effect.void
        : Effect.fail(
          new RefreshFailed({ status: reply.status, detail: `revoke failed: ${errorText(reply.json, reply.body)}` })
        )
  )
}
