/**
 * Every typed failure of the SDK, and the `CodexError` union.
 *
 * Each error is a `Schema.TaggedError` (so it is an `Error`, a yieldable Effect, and
 * matchable with `Effect.catchTag`) whose `message` says what happened and what to do.
 * Errors that come from an HTTP reply carry its `status`, `requestId` (`x-request-id` /
 * `x-oai-request-id`) and `cfRay`. No error ever carries a token.
 *
 * @since 0.1.0
 */
import { Duration, Predicate, Schema } from "effect"
import type { BatchFileError, BatchStopped } from "./Batch.js"
import type { StoreError } from "./Conversation.js"
import { scrub, scrubDeep } from "./internal/scrub.js"
import type { PreflightRefused } from "./Models.js"
import type { RateLimitSnapshot } from "./RateLimits.js"
import type { Response } from "./Response.js"

const responseSchema = Schema.declare((u: unknown): u is Response => Predicate.isRecord(u), {
  identifier: "Response"
})

const snapshotsSchema = Schema.declare(
  (u: unknown): u is ReadonlyArray<RateLimitSnapshot> => Array.isArray(u),
  { identifier: "RateLimitSnapshots" }
)

/**
 * A `cause`: any value in memory; encoded as `Schema.Defect` encodes it (an `Error`'s name
 * and message, never its stack), then scrubbed and capped, so an encoded error never
 * carries a cause raw. Decoded, it is an `Error` with that name and message.
 */
const causeSchema = Schema.transform(Schema.Unknown, Schema.Defect, {
  strict: true,
  decode: (encoded) => encoded,
  encode: (defect) =>
    typeof defect === "string"
      ? truncateFrame(defect, 2000)
      : Predicate.isRecord(defect) && typeof defect["message"] === "string"
      ? { ...scrubDeep(defect), message: truncateFrame(defect["message"], 2000) }
      : scrubDeep(defect)
})

/**
 * The fields every error derived from an HTTP reply carries.
 *
 * @since 0.1.0
 * @category fields
 */
export const ReplyFields = {
  /** The HTTP status, when the error came from a reply. */
  status: Schema.optional(Schema.Number),
  /** The request the reply answered, e.g. `POST /responses`, when the error came from a reply. */
  endpoint: Schema.optional(Schema.String),
  /** `x-request-id` or `x-oai-request-id`: quote it when reporting a problem. */
  requestId: Schema.optional(Schema.String),
  /** Cloudflare's `cf-ray`. */
  cfRay: Schema.optional(Schema.String)
}

const suffix = (e: { readonly status?: number | undefined; readonly requestId?: string | undefined }) => {
  const parts: Array<string> = []
  if (e.status !== undefined) parts.push(`HTTP ${e.status}`)
  if (e.requestId !== undefined) parts.push(`request id ${e.requestId}`)
  return parts.length === 0 ? "" : ` (${parts.join(", ")})`
}

/**
 * The backend does not support this request parameter. Raised locally, before anything
 * is sent (`origin: "client"`), or mapped from the backend's
 * `{"detail":"Unsupported parameter: X"}` (`origin: "server"`).
 *
 * @since 0.1.0
 * @category errors
 */
export class UnsupportedParameter extends Schema.TaggedError<UnsupportedParameter>(
  "codex-backend-sdk/UnsupportedParameter"
)("UnsupportedParameter", {
  ...ReplyFields,
  parameter: Schema.String,
  endpoint: Schema.String,
  origin: Schema.Literal("client", "server")
}) {
  override get message() {
    return `The Codex backend does not support the parameter "${this.parameter}" on ${this.endpoint}${
      this.origin === "client" ? "; nothing was sent" : ""
    }. Remove it (or set parameterPolicy: "lenient" to drop such parameters with a warning).${suffix(this)}`
  }
}

/**
 * A request parameter has a value the SDK can tell is wrong before sending it (a bad tool
 * name, an orphan `function_call_output`, `store: true`...). Nothing was sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidParameter extends Schema.TaggedError<InvalidParameter>("codex-backend-sdk/InvalidParameter")(
  "InvalidParameter",
  { parameter: Schema.String, detail: Schema.String }
) {
  override get message() {
    return `Invalid parameter "${this.parameter}": ${this.detail}. Nothing was sent.`
  }
}

/**
 * The backend rejected the request as malformed (HTTP 400 with a `detail` or `error`).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>("codex-backend-sdk/InvalidRequest")(
  "InvalidRequest",
  { detail: Schema.String, code: Schema.optional(Schema.String), param: Schema.optional(Schema.String), ...ReplyFields }
) {
  override get message() {
    return `The backend rejected the request: ${this.detail}${suffix(this)}`
  }
}

/**
 * The model is retired, plan-gated, or never served to ChatGPT accounts (e.g. `-pro`
 * models). Pick another slug from `/models`.
 *
 * @since 0.1.0
 * @category errors
 */
export class ModelNotAvailable extends Schema.TaggedError<ModelNotAvailable>("codex-backend-sdk/ModelNotAvailable")(
  "ModelNotAvailable",
  { model: Schema.optional(Schema.String), detail: Schema.String, ...ReplyFields }
) {
  override get message() {
    return `${
      this.model === undefined ? "The model" : `The model "${this.model}"`
    } is not available to this ChatGPT account: ${this.detail}${suffix(this)}`
  }
}

/**
 * The request was flagged for possible cybersecurity risk (`cyber_policy`).
 *
 * @since 0.1.0
 * @category errors
 */
export class CyberPolicy extends Schema.TaggedError<CyberPolicy>("codex-backend-sdk/CyberPolicy")(
  "CyberPolicy",
  { detail: Schema.String, ...ReplyFields }
) {
  override get message() {
    return `This request has been flagged for possible cybersecurity risk: ${this.detail}${suffix(this)}`
  }
}

/**
 * An image in the input is not a valid image.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidImage extends Schema.TaggedError<InvalidImage>("codex-backend-sdk/InvalidImage")(
  "InvalidImage",
  { detail: Schema.String, ...ReplyFields }
) {
  override get message() {
    return `The backend rejected an image in the input: ${this.detail}${suffix(this)}`
  }
}

/**
 * Why credentials are unusable.
 *
 * @since 0.1.0
 * @category models
 */
export const AuthExpiredReason = Schema.Literal(
  "missing_credentials",
  "unauthorized",
  "refresh_token_expired",
  "refresh_token_reused",
  "refresh_token_invalidated",
  "refresh_rejected",
  "account_changed"
)

/**
 * @since 0.1.0
 * @category models
 */
export type AuthExpiredReason = typeof AuthExpiredReason.Type

const refreshPrefix = "Your access token could not be refreshed"

/**
 * The token endpoint failed in a way that may pass (a network error, a 5xx, any status
 * but 401): "Failed to refresh token: <status>: <message>". Retryable; the stored
 * tokens are untouched.
 *
 * @since 0.1.0
 * @category errors
 */
export class RefreshFailed extends Schema.TaggedError<RefreshFailed>("codex-backend-sdk/RefreshFailed")(
  "RefreshFailed",
  { detail: Schema.String, cause: Schema.optional(causeSchema), ...ReplyFields }
) {
  override get message() {
    return `Failed to refresh token: ${this.status === undefined ? "" : `${this.status}: `}${this.detail}`
  }
}

/**
 * The token store failed to read or write (permissions, a corrupt file, a lock it could
 * not take). The message names the path, never a token.
 *
 * @since 0.1.0
 * @category errors
 */
export class TokenStoreError extends Schema.TaggedError<TokenStoreError>("codex-backend-sdk/TokenStoreError")(
  "TokenStoreError",
  {
    path: Schema.String,
    detail: Schema.String,
    /** `lock_lost`: the lock was broken while held, and nothing was written. */
    reason: Schema.optional(Schema.Literal("lock_lost")),
    cause: Schema.optional(causeSchema)
  }
) {
  override get message() {
    return `Could not use ${this.path}: ${this.detail}`
  }
}

/**
 * A login flow (browser or device code) did not complete. `reason` says why; the message
 * says what to do. Nothing was persisted.
 *
 * @since 0.1.0
 * @category errors
 */
export class LoginFailed extends Schema.TaggedError<LoginFailed>("codex-backend-sdk/LoginFailed")("LoginFailed", {
  reason: Schema.Literal(
    "access_denied",
    "missing_codex_entitlement",
    "missing_authorization_code",
    "token_exchange_failed",
    "workspace_restriction",
    "persist_failed",
    "port_in_use",
    "timed_out",
    "cancelled",
    "device_auth_disabled",
    "device_auth_failed"
  ),
  detail: Schema.String,
  ...ReplyFields
}) {
  override get message() {
    switch (this.reason) {
      case "missing_codex_entitlement":
        return "Codex is not enabled for your workspace. Contact your workspace administrator to request access to Codex."
      case "access_denied":
        return `Sign-in failed: ${this.detail}`
      case "port_in_use":
        return `${this.detail} Another login may be running; finish or cancel it, or use the device-code login (loginDevice), which needs no local port.`
      case "timed_out":
        return `The login timed out: ${this.detail}`
      case "device_auth_disabled":
        return `Device-code login is not enabled for this issuer (HTTP 404). Use the browser login.`
      default:
        return `Login failed (${this.reason}): ${this.detail}`
    }
  }
}

/**
 * Every failure of getting or recovering credentials.
 *
 * @since 0.1.0
 * @category models
 */
export type AuthError = AuthExpired | RefreshFailed | TokenStoreError

/**
 * The credentials are missing, expired, or were rejected after the one recovery attempt.
 * Sign in again (`codex login`, or this SDK's OAuth flow).
 *
 * @since 0.1.0
 * @category errors
 */
export class AuthExpired extends Schema.TaggedError<AuthExpired>("codex-backend-sdk/AuthExpired")("AuthExpired", {
  reason: AuthExpiredReason,
  detail: Schema.optional(Schema.String),
  /** The decoded `x-error-json` `error.code`, or the token endpoint's error code. */
  errorCode: Schema.optional(Schema.String),
  /** `x-openai-authorization-error`, a diagnostic. */
  authorizationError: Schema.optional(Schema.String),
  ...ReplyFields
}) {
  override get message() {
    const detail = this.detail === undefined ? "" : ` ${this.detail}`
    switch (this.reason) {
      case "missing_credentials":
        return `No usable ChatGPT credentials.${detail} Sign in first.`
      case "unauthorized":
        return `The backend rejected the access token${
          this.errorCode === undefined ? "" : ` (${this.errorCode})`
        } even after reloading and refreshing credentials. Please sign in again.${suffix(this)}`
      case "refresh_token_expired":
        return `${refreshPrefix} because your refresh token has expired. Please log out and sign in again.`
      case "refresh_token_reused":
        return `${refreshPrefix} because your refresh token was already used. Please log out and sign in again.`
      case "refresh_token_invalidated":
        return `${refreshPrefix} because your refresh token was revoked. Please log out and sign in again.`
      case "refresh_rejected":
        return `${refreshPrefix}.${detail} Please log out and sign in again.`
      case "account_changed":
        return `${refreshPrefix} because you have since logged out or signed in to another account. Please sign in again.`
    }
  }
}

/**
 * The request was refused (HTTP 403): `reason` tells a Cloudflare block, a region block
 * and any other refusal (plan gating, missing scope) apart.
 *
 * @since 0.1.0
 * @category errors
 */
export class PermissionDenied extends Schema.TaggedError<PermissionDenied>("codex-backend-sdk/PermissionDenied")(
  "PermissionDenied",
  { reason: Schema.Literal("cloudflare", "region_blocked", "forbidden"), detail: Schema.String, ...ReplyFields }
) {
  override get message() {
    switch (this.reason) {
      case "cloudflare":
        return `Access blocked by Cloudflare${
          this.cfRay === undefined ? "" : ` (cf-ray ${this.cfRay})`
        }. This is not a DNS or network failure: the host answered with a challenge page. Try again later, from another network, or without a proxy.${
          suffix(this)
        }`
      case "region_blocked":
        return `The backend is not available in this country, region or territory.${suffix(this)}`
      case "forbidden":
        return `The backend refused the request: ${this.detail}${suffix(this)}`
    }
  }
}

/**
 * The route or the id does not exist, or the feature is not rolled out to this account.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFound extends Schema.TaggedError<NotFound>("codex-backend-sdk/NotFound")("NotFound", {
  detail: Schema.String,
  ...ReplyFields
}) {
  override get message() {
    return `Not found: ${this.detail}${suffix(this)}`
  }
}

/**
 * Which limit was hit.
 *
 * - `usage_limit_reached`: the plan's usage window is spent; wait until `resetsAt`. Never retried.
 * - `usage_not_included`: the plan does not include Codex. Never retried.
 * - `insufficient_quota`: quota exhausted. Never retried.
 * - `rate_limit_exceeded`: short-term throttling; retried after `retryAfter` (capped).
 * - `other`: another 429.
 *
 * @since 0.1.0
 * @category models
 */
export const RateLimitKind = Schema.Literal(
  "usage_limit_reached",
  "usage_not_included",
  "insufficient_quota",
  "rate_limit_exceeded",
  "other"
)

/**
 * @since 0.1.0
 * @category models
 */
export type RateLimitKind = typeof RateLimitKind.Type

const usageAdvice = (plan: string | undefined): string => {
  switch (plan) {
    case "plus":
      return " Upgrade to Pro or buy credits at https://chatgpt.com/codex/settings/usage."
    case "team":
    case "business":
    case "enterprise":
    case "edu":
      return " Ask your workspace admin for more usage."
    case "free":
    case "go":
      return " Upgrade to Plus for more usage."
    case "pro":
    case "prolite":
      return " Buy credits at https://chatgpt.com/codex/settings/usage."
    default:
      return ""
  }
}

/**
 * A usage or rate limit was hit. `kind` says which (see {@link RateLimitKind}); `resetsAt`
 * is when a usage window resets, `retryAfter` how long the server asked us to wait.
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimited extends Schema.TaggedError<RateLimited>("codex-backend-sdk/RateLimited")("RateLimited", {
  kind: RateLimitKind,
  detail: Schema.String,
  planType: Schema.optional(Schema.String),
  /** Encoded as an ISO string. */
  resetsAt: Schema.optional(Schema.DateFromString),
  /** Encoded in milliseconds. */
  retryAfter: Schema.optional(Schema.DurationFromMillis),
  /** `x-codex-promo-message`, to show next to a usage-limit error. */
  promoMessage: Schema.optional(Schema.String),
  /** The `x-codex-*` rate-limit snapshots of the reply, when it had them. */
  rateLimits: Schema.optional(snapshotsSchema),
  ...ReplyFields
}) {
  override get message() {
    const reset = this.resetsAt === undefined ? "" : ` Try again at ${this.resetsAt.toLocaleString()}.`
    const wait = this.retryAfter === undefined ? "" : ` Retry after ${Duration.format(this.retryAfter)}.`
    switch (this.kind) {
      case "usage_limit_reached":
        return `You've hit your usage limit${this.planType === undefined ? "" : ` (${this.planType} plan)`}.${
          usageAdvice(this.planType)
        }${reset}${suffix(this)}`
      case "usage_not_included":
        return `To use Codex with your ChatGPT plan, upgrade to Plus: https://chatgpt.com/explore/plus.${suffix(this)}`
      case "insufficient_quota":
        return `Quota exceeded. Check your plan and billing details.${suffix(this)}`
      case "rate_limit_exceeded":
      case "other":
        return `Rate limited: ${this.detail}${wait}${suffix(this)}`
    }
  }
}

/**
 * The backend failed (5xx). `overloaded` marks the 503 "model at capacity" case, which is
 * not retried automatically: pick another model or wait.
 *
 * @since 0.1.0
 * @category errors
 */
export class ServerError extends Schema.TaggedError<ServerError>("codex-backend-sdk/ServerError")("ServerError", {
  detail: Schema.String,
  overloaded: Schema.Boolean,
  code: Schema.optional(Schema.String),
  ...ReplyFields
}) {
  override get message() {
    return this.overloaded
      ? `Selected model is at capacity. Please try a different model.${suffix(this)}`
      : `The backend failed: ${this.detail}${suffix(this)}`
  }
}

/**
 * A status the protocol does not describe.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnexpectedStatus extends Schema.TaggedError<UnexpectedStatus>("codex-backend-sdk/UnexpectedStatus")(
  "UnexpectedStatus",
  { detail: Schema.String, ...ReplyFields }
) {
  override get message() {
    return `Unexpected reply from the backend: ${this.detail}${suffix(this)}`
  }
}

/**
 * The input does not fit in the model's context window. Compact the history
 * (`responses.compact`) and resend.
 *
 * @since 0.1.0
 * @category errors
 */
export class ContextWindowExceeded extends Schema.TaggedError<ContextWindowExceeded>(
  "codex-backend-sdk/ContextWindowExceeded"
)("ContextWindowExceeded", { detail: Schema.String, response: Schema.optional(responseSchema), ...ReplyFields }) {
  override get message() {
    return `Codex ran out of room in the model's context window: ${this.detail} Compact the conversation and resend.`
  }
}

/**
 * The response failed in the stream (`response.failed` or an `error` event) with a code
 * the SDK has no more specific error for. `response` is the partial response, if any.
 *
 * @since 0.1.0
 * @category errors
 */
export class ResponseFailed extends Schema.TaggedError<ResponseFailed>("codex-backend-sdk/ResponseFailed")(
  "ResponseFailed",
  {
    code: Schema.optional(Schema.String),
    detail: Schema.String,
    response: Schema.optional(responseSchema),
    ...ReplyFields
  }
) {
  override get message() {
    return `The response failed${this.code === undefined ? "" : ` (${this.code})`}: ${this.detail}`
  }
}

/**
 * The response ended as `incomplete` (e.g. `content_filter`). Never returned as completed.
 *
 * @since 0.1.0
 * @category errors
 */
export class ResponseIncomplete extends Schema.TaggedError<ResponseIncomplete>("codex-backend-sdk/ResponseIncomplete")(
  "ResponseIncomplete",
  { reason: Schema.String, response: Schema.optional(responseSchema) }
) {
  override get message() {
    return `Incomplete response returned, reason: ${this.reason}`
  }
}

/**
 * The stream closed (or broke) before a terminal event. Retryable for a collected call;
 * a streamed call surfaces it, since every send is billable.
 *
 * @since 0.1.0
 * @category errors
 */
export class StreamInterrupted extends Schema.TaggedError<StreamInterrupted>("codex-backend-sdk/StreamInterrupted")(
  "StreamInterrupted",
  {
    eventsReceived: Schema.Number,
    responseId: Schema.optional(Schema.String),
    cause: Schema.optional(causeSchema),
    ...ReplyFields
  }
) {
  override get message() {
    return `stream closed before response.completed, after ${this.eventsReceived} event(s)${
      this.responseId === undefined ? "" : ` of ${this.responseId}`
    }.`
  }
}

/**
 * A call needs a Platform API key (the Realtime WebSocket, protocol §10.2) and there is
 * none: not in `auth.json` (`OPENAI_API_KEY`, stored at login when the account has a
 * Platform organisation) nor in the `OPENAI_API_KEY` environment variable.
 *
 * @since 0.1.0
 * @category errors
 */
export class ApiKeyMissing extends Schema.TaggedError<ApiKeyMissing>("codex-backend-sdk/ApiKeyMissing")(
  "ApiKeyMissing",
  { feature: Schema.String }
) {
  override get message() {
    return `${this.feature} needs a Platform API key, and there is none. Sign in again with a browser login (it stores OPENAI_API_KEY in auth.json when your ChatGPT account has a Platform organisation; create one at https://platform.openai.com), or set the OPENAI_API_KEY environment variable.`
  }
}

/**
 * WebRTC call creation (`POST /realtime/calls`) is not available to this account: the
 * route answered 404, as it did before its rollout (protocol §10.1).
 *
 * @since 0.1.0
 * @category errors
 */
export class RealtimeUnavailable
  extends Schema.TaggedError<RealtimeUnavailable>("codex-backend-sdk/RealtimeUnavailable")(
    "RealtimeUnavailable",
    { detail: Schema.String, ...ReplyFields }
  )
{
  override get message() {
    return `Realtime calls are not available to this account (the backend has no /realtime/calls for it): ${this.detail}${
      suffix(this)
    }`
  }
}

/**
 * The request could not be sent or its reply not read (connection refused, reset, DNS...).
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportError extends Schema.TaggedError<TransportError>("codex-backend-sdk/TransportError")(
  "TransportError",
  { endpoint: Schema.String, cause: causeSchema }
) {
  override get message() {
    const cause = this.cause instanceof Error ? `: ${this.cause.message}` : ""
    return `Could not reach the backend for ${this.endpoint}${cause}`
  }
}

/**
 * A time limit passed: `phase: "headers"` (no reply within `requestTimeout`),
 * `phase: "idle"` (no byte of the stream within `streamIdleTimeout`) or
 * `phase: "deadline"` (the call outlived `requestDeadline`).
 *
 * @since 0.1.0
 * @category errors
 */
export class Timeout extends Schema.TaggedError<Timeout>("codex-backend-sdk/Timeout")("Timeout", {
  phase: Schema.Literal("headers", "idle", "deadline"),
  endpoint: Schema.String,
  /** Encoded in milliseconds. */
  after: Schema.DurationFromMillis
}) {
  override get message() {
    switch (this.phase) {
      case "idle":
        return `idle timeout waiting for SSE: no data for ${Duration.format(this.after)} on ${this.endpoint}`
      case "deadline":
        return `${this.endpoint} did not finish within the request deadline of ${Duration.format(this.after)}`
      case "headers":
        return `No reply from ${this.endpoint} within ${Duration.format(this.after)}`
    }
  }
}

/**
 * A reply could not be decoded: a 200 that is not an event stream, a JSON body of the
 * wrong shape. `frame` holds the start of the offending text (at most 200 characters).
 *
 * @since 0.1.0
 * @category errors
 */
export class DecodeError extends Schema.TaggedError<DecodeError>("codex-backend-sdk/DecodeError")("DecodeError", {
  detail: Schema.String,
  frame: Schema.optional(Schema.String),
  contentType: Schema.optional(Schema.String),
  ...ReplyFields
}) {
  override get message() {
    return `Could not decode the backend's reply: ${this.detail}${
      this.frame === undefined ? "" : ` (starts with ${JSON.stringify(this.frame)})`
    }${suffix(this)}`
  }
}

/**
 * The model's structured reply does not fit the schema (`Responses.parse`,
 * `StructuredOutput.decode`): `text` is the raw reply, `issue` the schema's parse issue
 * (or why the text is not JSON). `response` is the whole response, when there is one.
 *
 * @since 0.1.0
 * @category errors
 */
export class OutputMismatch extends Schema.TaggedError<OutputMismatch>("codex-backend-sdk/OutputMismatch")(
  "OutputMismatch",
  {
    schemaName: Schema.String,
    text: Schema.String,
    issue: Schema.String,
    cause: Schema.optional(causeSchema),
    response: Schema.optional(responseSchema)
  }
) {
  override get message() {
    return `The model's reply does not fit the schema "${this.schemaName}": ${this.issue} (reply starts with ${
      JSON.stringify(truncateFrame(this.text))
    })`
  }
}

/**
 * The model refused to answer (a `refusal` content part) where structured output was
 * expected. `refusal` is the model's explanation.
 *
 * @since 0.1.0
 * @category errors
 */
export class ModelRefusal extends Schema.TaggedError<ModelRefusal>("codex-backend-sdk/ModelRefusal")(
  "ModelRefusal",
  { refusal: Schema.String, response: Schema.optional(responseSchema) }
) {
  override get message() {
    return `The model refused: ${this.refusal}`
  }
}

/**
 * A tool loop (`Tools.run`, `Tools.stream`) made `maxSteps` requests and the model still
 * called tools. `items` is the whole history so far (replay it to go on); `pendingCalls`
 * names the calls of the last response, which were not run.
 *
 * @since 0.1.0
 * @category errors
 */
export class MaxStepsReached extends Schema.TaggedError<MaxStepsReached>("codex-backend-sdk/MaxStepsReached")(
  "MaxStepsReached",
  {
    maxSteps: Schema.Number,
    pendingCalls: Schema.Array(Schema.String),
    items: Schema.Array(Schema.Unknown),
    response: Schema.optional(responseSchema)
  }
) {
  override get message() {
    return `The tool loop stopped after ${this.maxSteps} step(s) with the model still calling tools (${
      this.pendingCalls.join(", ")
    }). Raise maxSteps, or replay the items to go on.`
  }
}

/**
 * Every failure the SDK's calls can produce: an instance of one of the classes of the
 * {@link CodexError} schema union (the one list of the family).
 *
 * @since 0.1.0
 * @category models
 */
export type CodexError = typeof CodexError.Type

/**
 * The schema of every {@link CodexError}: the union of the error classes, to encode an
 * error into JSON-ready data (`Schema.encodeSync(CodexError)`) and decode it back
 * (`Schema.decodeUnknown(CodexError)`), e.g. to store it or send it to another process.
 * `Batch` writes its error records with it. Dates are encoded as ISO strings, durations in
 * milliseconds, a `cause` as its scrubbed name and message (never raw); `message` is not
 * encoded, since it follows from the fields.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CodexError = Schema.Union(
  UnsupportedParameter,
  InvalidParameter,
  InvalidRequest,
  ModelNotAvailable,
  CyberPolicy,
  InvalidImage,
  AuthExpired,
  RefreshFailed,
  TokenStoreError,
  LoginFailed,
  PermissionDenied,
  NotFound,
  RateLimited,
  ServerError,
  UnexpectedStatus,
  ContextWindowExceeded,
  OutputMismatch,
  ModelRefusal,
  MaxStepsReached,
  ResponseFailed,
  ResponseIncomplete,
  StreamInterrupted,
  TransportError,
  Timeout,
  DecodeError,
  ApiKeyMissing,
  RealtimeUnavailable
)

/**
 * The brand every {@link CodexError} carries on its prototype, whichever module built it:
 * {@link isCodexError} tests for it.
 *
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: unique symbol = Symbol.for("codex-backend-sdk/CodexError")

/**
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = typeof TypeId

/**
 * Puts the {@link TypeId} brand on an error class's prototype: for the SDK's own classes
 * only (those of {@link CodexError}, and the other modules' errors {@link isCodexError}
 * names).
 *
 * @internal
 */
export const brand = (ErrorClass: { readonly prototype: object }): void => {
  Object.defineProperty(ErrorClass.prototype, TypeId, { value: TypeId })
}

for (const ErrorClass of CodexError.members) brand(ErrorClass)

/**
 * The Promise client's abort error (`APIUserAbortError` of `codex-backend-sdk/OpenAI`), as
 * {@link isCodexError} sees it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Aborted extends Error {
  readonly _tag: "Aborted"
}

/**
 * Whether a value is one of the SDK's errors, whichever module or copy of the package made
 * it: any member of {@link CodexError}, `Batch`'s `BatchStopped` and `BatchFileError`,
 * `Models.PreflightRefused`, `Conversation.StoreError`, or the Promise client's abort
 * error, e.g. in a `catch` of the Promise client or a `Cause` from elsewhere. Narrow
 * further with `_tag` (or `Schema.is(CodexError.CodexError)` for the union alone).
 *
 * @since 0.1.0
 * @category predicates
 */
export const isCodexError = (
  u: unknown
): u is CodexError | BatchStopped | BatchFileError | PreflightRefused | StoreError | Aborted =>
  Predicate.hasProperty(u, TypeId)

/**
 * Truncates a frame for {@link DecodeError} so no error carries a whole body, and scrubs
 * it: live tokens, `Bearer …`, token pairs and JWT-shaped strings a server echoed back
 * become `[redacted]` (scrubbed before the cut, so a token is never left half-visible).
 *
 * @since 0.1.0
 * @category utils
 */
export const truncateFrame = (text: string, max = 200): string => {
  const clean = scrub(text.length > max + 16_384 ? text.slice(0, max + 16_384) : text)
  return clean.length <= max ? clean : `${clean.slice(0, max)}…`
}

/**
 * Whether the protocol's retry policy (§6.4) allows sending the same request again after
 * this error: transport failures, timeouts, 5xx other than "overloaded", short-term rate
 * limits, cut streams and unknown in-stream failures. Usage limits, 4xx, auth failures and
 * local validation errors are final.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isRetryable = (error: CodexError): boolean => {
  switch (error._tag) {
    case "TransportError":
    case "Timeout":
    case "StreamInterrupted":
    case "RefreshFailed":
      return true
    case "ServerError":
      return !error.overloaded
    case "RateLimited":
      return error.kind === "rate_limit_exceeded" || error.kind === "other"
    case "ResponseFailed":
      return error.code !== "invalid_prompt"
    case "ResponseIncomplete":
      return error.reason !== "content_filter"
    case "UnexpectedStatus":
      return error.status !== undefined && error.status >= 500
    default:
      return false
  }
}
