/**
 * Mapping backend failures to typed errors: HTTP replies (protocol §6.1–6.2) and in-stream
 * failures (§6.3), plus `Retry-After` and "try again in" parsing.
 *
 * @internal
 */
import { Duration } from "effect"
import type { CodexError } from "../CodexError.js"
import {
  AuthExpired,
  ContextWindowExceeded,
  CyberPolicy,
  InvalidImage,
  InvalidRequest,
  ModelNotAvailable,
  NotFound,
  PermissionDenied,
  RateLimited,
  ResponseFailed,
  ResponseIncomplete,
  ServerError,
  truncateFrame,
  UnexpectedStatus,
  UnsupportedParameter
} from "../CodexError.js"
import * as RateLimits from "../RateLimits.js"
import type { Response } from "../Response.js"
import type { ResponseStreamEvent } from "../ResponseStreamEvent.js"
import { isRecord, str } from "./jsonGuards.js"
import { clampResetSeconds } from "./resets.js"
import { scrub, scrubDeep } from "./scrub.js"

type Headers = Readonly<Record<string, string | undefined>>

/** A header's text, scrubbed and capped, for an error. */
const serverText = (value: string | undefined): string | undefined =>
  value === undefined ? undefined : truncateFrame(value, 2000)

const num = (u: unknown): number | undefined => (typeof u === "number" && Number.isFinite(u) ? u : undefined)

/** What an error body said, in the protocol's order of formats (§6.1). @internal */
export interface ErrorBody {
  readonly type: string | undefined
  readonly code: string | undefined
  readonly message: string | undefined
  readonly param: string | undefined
  readonly detail: string | undefined
  readonly html: boolean
  /** The `error` object (or the whole body), for fields like `plan_type` and `resets_at`. */
  readonly fields: Readonly<Record<string, unknown>>
  /** The start of the body, for messages. */
  readonly text: string
}

/**
 * Parses an error body. The raw text is scrubbed for the message (see `scrub.ts`), and so is
 * every string of the parsed JSON, after decoding: a token echoed with `\u` escapes is only
 * recognisable once decoded, so no field read from the body can carry it.
 *
 * @internal
 */
export const parseErrorBody = (raw: string, contentType: string | undefined): ErrorBody => {
  const body = scrub(raw)
  const text = truncateFrame(body.trim(), 2000)
  const html = (contentType ?? "").includes("text/html") || /^\s*<(!doctype|html)/i.test(body)
  let json: unknown
  if (!html) {
    try {
      json = scrubDeep(JSON.parse(raw))
    } catch {
      json = undefined
    }
  }
  const error = isRecord(json) ? json["error"] : undefined
  const fields = isRecord(error) ? error : isRecord(json) ? json : {}
  return {
    type: str(fields["type"]),
    code: str(fields["code"]) ?? (typeof error === "string" ? error : undefined),
    message: str(fields["message"]),
    param: str(fields["param"]),
    detail: isRecord(json) ? str(json["detail"]) : undefined,
    html,
    fields,
    text
  }
}

const scrubbed = (value: string | undefined): string | undefined => (value === undefined ? undefined : scrub(value))

/** Milliseconds the server asked us to wait: `retry-after-ms`, else `Retry-After` (seconds or HTTP date). @internal */
export const parseRetryAfter = (headers: Headers, now: number): Duration.Duration | undefined => {
  const ms = Number(headers["retry-after-ms"])
  if (headers["retry-after-ms"] !== undefined && Number.isFinite(ms) && ms >= 0) return Duration.millis(ms)
  const value = headers["retry-after"]?.trim()
  if (value === undefined || value === "") return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return seconds >= 0 ? Duration.millis(seconds * 1000) : undefined
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Duration.millis(Math.max(0, date - now))
}

const delayUnits: Readonly<Record<string, number>> = { ms: 1, s: 1000, sec: 1000, second: 1000, seconds: 1000 }

/** Parses "…try again in 11.054s." into a duration (§6.3). @internal */
export const parseTryAgainIn = (message: string): Duration.Duration | undefined => {
  const match = /try again in\s*(\d+(?:\.\d+)?)\s*(ms|seconds|second|sec|s)\b/i.exec(message)
  if (match?.[1] === undefined || match[2] === undefined) return undefined
  return Duration.millis(Number(match[1]) * (delayUnits[match[2].toLowerCase()] ?? 1000))
}

/** The status, request ids and (when known) the endpoint of a reply. @internal */
export const replyMeta = (
  { endpoint, headers, status }: {
    readonly status: number
    readonly headers: Headers
    readonly endpoint?: string | undefined
  }
) => {
  // Header values are server text like any other: a proxy may put a token in them.
  const requestId = scrubbed(headers["x-request-id"] ?? headers["x-oai-request-id"])
  const cfRay = scrubbed(headers["cf-ray"])
  return {
    status,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(requestId === undefined ? {} : { requestId }),
    ...(cfRay === undefined ? {} : { cfRay })
  }
}

const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }

const resetsAt = (fields: Readonly<Record<string, unknown>>, now: number): Date | undefined => {
  const inSeconds = num(fields["resets_in_seconds"])
  const at = clampResetSeconds(
    num(fields["resets_at"]) ?? (inSeconds === undefined ? undefined : now / 1000 + inSeconds),
    now
  )
  return at === undefined ? undefined : new Date(at * 1000)
}

const usageLimit = (
  kind: "usage_limit_reached" | "usage_not_included",
  body: ErrorBody,
  headers: Headers,
  meta: ReturnType<typeof replyMeta> & { readonly endpoint: string },
  now: number
) => {
  const snapshots = RateLimits.fromHeaders(headers, now)
  return new RateLimited({
    kind,
    detail: body.message ?? kind,
    ...optional("planType", str(body.fields["plan_type"])),
    ...optional("resetsAt", resetsAt(body.fields, now)),
    ...optional("promoMessage", serverText(headers["x-codex-promo-message"])),
    rateLimits: snapshots,
    ...meta
  })
}

/**
 * Whether a reply is Cloudflare's challenge or block page (§6.2): `cf-mitigated:
 * challenge`, or the page's tell-tale words. Used on 403s and on 200s that are not an
 * event stream.
 *
 * @internal
 */
export const isCloudflarePage = (text: string, headers: Headers): boolean =>
  headers["cf-mitigated"] === "challenge" || /cloudflare|just a moment|cf-challenge/i.test(text)

/**
 * Maps a non-2xx reply to the most specific typed error (§6.2).
 *
 * @internal
 */
export const fromReply = (options: {
  readonly status: number
  readonly headers: Headers
  readonly body: string
  readonly endpoint: string
  readonly model?: string | undefined
  readonly now: number
}): CodexError => {
  const { status, headers, now, endpoint } = options
  const body = parseErrorBody(options.body, headers["content-type"])
  const meta = { ...replyMeta({ status, headers }), endpoint }
  const detail = body.detail ?? body.message ?? (body.html ? "an HTML page" : body.text || `HTTP ${status}`)
  const usageType = body.type ?? body.code
  switch (status) {
    case 400: {
      const unsupported = /^Unsupported parameter:\s*'?([^'\s]+)'?/i.exec(detail)
      if (unsupported?.[1] !== undefined) {
        return new UnsupportedParameter({ parameter: unsupported[1], origin: "server", ...meta })
      }
      if (
        /model is not supported when using Codex with a ChatGPT account/i.test(detail) ||
        /^Usage limit reached\.?$/i.test(detail)
      ) {
        return new ModelNotAvailable({ detail, ...optional("model", options.model), ...meta })
      }
      if (body.code === "cyber_policy") return new CyberPolicy({ detail, ...meta })
      if (/does not represent a valid image/i.test(detail)) return new InvalidImage({ detail, ...meta })
      return new InvalidRequest({ detail, ...optional("code", body.code), ...optional("param", body.param), ...meta })
    }
    case 401: {
      let errorCode = body.code
      const errorJson = headers["x-error-json"]
      if (errorJson !== undefined) {
        try {
          const decoded: unknown = JSON.parse(Buffer.from(errorJson, "base64").toString("utf8"))
          const inner = isRecord(decoded) ? decoded["error"] : undefined
          errorCode = scrubbed(isRecord(inner) ? str(inner["code"]) : undefined) ?? errorCode
        } catch {
          // a malformed diagnostic header is ignored
        }
      }
      return new AuthExpired({
        reason: "unauthorized",
        detail: /Missing scopes/i.test(detail)
          ? `${detail} (a ChatGPT token only works on chatgpt.com and a few api.openai.com routes; check the base URL).`
          : detail,
        ...optional("errorCode", errorCode),
        ...optional("authorizationError", serverText(headers["x-openai-authorization-error"])),
        ...meta
      })
    }
    case 402:
      return new RateLimited({ kind: "insufficient_quota", detail, ...meta })
    case 403: {
      if (isCloudflarePage(body.text, headers) || body.html || /\bblocked\b/i.test(body.text)) {
        return new PermissionDenied({ reason: "cloudflare", detail: "Cloudflare challenge or block page", ...meta })
      }
      if (
        body.code === "unsupported_country_region_territory" || /unsupported_country_region_territory/.test(body.text)
      ) {
        return new PermissionDenied({ reason: "region_blocked", detail, ...meta })
      }
      return new PermissionDenied({ reason: "forbidden", detail, ...meta })
    }
    case 404:
      if (usageType === "usage_limit_reached" || usageType === "usage_not_included") {
        return usageLimit(usageType, body, headers, meta, now)
      }
      return new NotFound({ detail: `${endpoint}: ${detail}`, ...meta })
    case 429: {
      if (usageType === "usage_limit_reached" || usageType === "usage_not_included") {
        return usageLimit(usageType, body, headers, meta, now)
      }
      if (usageType === "insufficient_quota") return new RateLimited({ kind: "insufficient_quota", detail, ...meta })
      const retryAfter = parseRetryAfter(headers, now) ?? parseTryAgainIn(detail)
      return new RateLimited({
        kind: usageType === "rate_limit_exceeded" ? "rate_limit_exceeded" : "other",
        detail,
        ...optional("retryAfter", retryAfter),
        rateLimits: RateLimits.fromHeaders(headers, now),
        ...meta
      })
    }
    case 503:
      if (body.code === "server_is_overloaded" || body.code === "slow_down") {
        return new ServerError({ detail, overloaded: true, code: body.code, ...meta })
      }
      return new ServerError({ detail, overloaded: false, ...optional("code", body.code), ...meta })
    default:
      if (status >= 500) return new ServerError({ detail, overloaded: false, ...optional("code", body.code), ...meta })
      return new UnexpectedStatus({ detail, ...meta })
  }
}

/**
 * Maps an in-stream failure (`response.failed`'s `error`, or an `error` event) to a typed
 * error (§6.3).
 *
 * @internal
 */
export const fromStreamFailure = (options: {
  readonly code: string | undefined
  readonly message: string | undefined
  readonly type?: string | undefined
  readonly fields?: Readonly<Record<string, unknown>> | undefined
  readonly response: Response | undefined
  readonly now: number
}): CodexError => {
  const code = options.code === undefined ? options.type : truncateFrame(options.code, 200)
  const message = options.message === undefined ? undefined : truncateFrame(options.message, 2000)
  const detail = message ?? code ?? "the backend reported a failure without a message"
  // The partial response is server text too (a failed snapshot may echo the request).
  const response = options.response === undefined ? {} : { response: scrubDeep(options.response) }
  const fields = options.fields ?? {}
  switch (code) {
    case "context_length_exceeded":
      return new ContextWindowExceeded({ detail, ...response })
    case "insufficient_quota":
      return new RateLimited({ kind: "insufficient_quota", detail })
    case "usage_not_included":
    case "usage_limit_reached":
      return new RateLimited({
        kind: code,
        detail,
        ...optional("planType", str(fields["plan_type"])),
        ...optional("resetsAt", resetsAt(fields, options.now))
      })
    case "rate_limit_exceeded":
      return new RateLimited({
        kind: "rate_limit_exceeded",
        detail,
        ...optional("retryAfter", parseTryAgainIn(detail))
      })
    case "server_is_overloaded":
    case "slow_down":
      return new ServerError({ detail, overloaded: true, code })
    case "cyber_policy":
      return new CyberPolicy({
        detail: message ?? "This request has been flagged for possible cybersecurity risk."
      })
    default:
      return new ResponseFailed({ ...optional("code", code), detail, ...response })
  }
}

/**
 * The error a terminal event stands for: `undefined` for `response.completed` (and for
 * non-terminal events), a typed error for `response.failed`, `response.incomplete` and
 * `error`. `partial` is the response assembled so far, attached to the error.
 *
 * @internal
 */
export const fromTerminalEvent = (
  event: ResponseStreamEvent,
  partial: Response | undefined,
  now: number
): CodexError | undefined => {
  switch (event.type) {
    case "response.failed": {
      const error = event.response.error
      return fromStreamFailure({
        code: error?.code,
        message: error?.message,
        fields: error ?? undefined,
        response: partial,
        now
      })
    }
    case "response.incomplete":
      return new ResponseIncomplete({
        reason: truncateFrame(event.response.incomplete_details?.reason ?? "unknown", 200),
        ...(partial === undefined ? {} : { response: scrubDeep(partial) })
      })
    case "error": {
      const inner = event.error
      return fromStreamFailure({
        code: event.code ?? inner?.code ?? undefined,
        message: event.message ?? inner?.message ?? undefined,
        type: inner?.type ?? undefined,
        fields: inner ?? event,
        response: partial,
        now
      })
    }
    default:
      return undefined
  }
}
