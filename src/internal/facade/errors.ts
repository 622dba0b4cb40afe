/**
 * openai-node's error classes for the Promise client.
 *
 * The client rejects with the SDK's own `Schema.TaggedError`s (`_tag`, `resetsAt`,
 * `planType`, ... and `instanceof CodexError.RateLimited` keep working), and each of these
 * classes recognises them by status and tag through `Symbol.hasInstance`: a usage-limit
 * `RateLimited` is `instanceof RateLimitError`, `instanceof APIError` and
 * `instanceof OpenAIError`. At the Promise boundary (`toRejection`, runtime.ts) the error also
 * gets openai-node's `APIError` fields (`requestID`, `headers`, `error`, `code`, `param`,
 * `type`), as non-enumerable properties. Effect code never sees this module.
 *
 * @since 0.1.0
 */
import * as CodexError from "../../CodexError.js"

type Tagged = CodexError.CodexError

/** The tags of the family, from its schema union: recognised by tag, so across copies of the package too. */
const tags: ReadonlySet<string> = new Set(CodexError.CodexError.members.map((member) => member._tag))

const isTagged = (value: unknown): value is Tagged =>
  value instanceof Error && "_tag" in value && typeof value._tag === "string" && tags.has(value._tag)

/** The status a reply-less error stands for in openai-node's family. */
const impliedStatus = (error: Tagged): number | undefined => {
  switch (error._tag) {
    case "UnsupportedParameter":
    case "InvalidParameter":
    case "InvalidRequest":
    case "InvalidImage":
    case "CyberPolicy":
    case "ContextWindowExceeded":
    case "ModelNotAvailable":
      return 400
    case "AuthExpired":
      return 401
    case "PermissionDenied":
      return 403
    case "NotFound":
    case "RealtimeUnavailable":
      return 404
    case "RateLimited":
      return 429
    case "ServerError":
      return 500
    default:
      return undefined
  }
}

/**
 * openai-node's root class: every error the client rejects with is an instance.
 *
 * @since 0.1.0
 * @category errors
 */
export class OpenAIError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return recognises(this, value)
  }
}

/**
 * openai-node's `APIError`: an error about a request (a reply's status, a connection, an
 * abort, a failed stream). A local validation error (`InvalidParameter`,
 * `UnsupportedParameter` from the client) is one too, as `BadRequestError`.
 *
 * @since 0.1.0
 * @category errors
 */
export class APIError extends OpenAIError {
  /** The HTTP status, when the error came from a reply (or the one its kind stands for). */
  readonly status: number | undefined
  /** The headers the error knows of (`x-request-id`, `cf-ray`), when it came from a reply. */
  readonly headers: Headers | undefined
  /** The error body, as far as the SDK decoded it (`message`, `type`, `code`, `param`). */
  readonly error: object | undefined
  readonly code: string | null | undefined
  readonly param: string | null | undefined
  readonly type: string | undefined
  /** `x-request-id`: quote it when reporting a problem. */
  readonly requestID: string | null | undefined

  constructor(
    status: number | undefined,
    error: object | undefined,
    message: string | undefined,
    headers: Headers | undefined
  ) {
    super(message ?? (status === undefined ? "Connection error." : `${status} status code (no body)`))
    this.status = status
    this.headers = headers
    this.error = error
    this.requestID = headers?.get("x-request-id")
    const body: Record<string, unknown> = error !== undefined && error !== null ? { ...error } : {}
    this.code = typeof body["code"] === "string" ? body["code"] : undefined
    this.param = typeof body["param"] === "string" ? body["param"] : undefined
    this.type = typeof body["type"] === "string" ? body["type"] : undefined
  }
}

/**
 * An aborted call or stream (openai-node's class of the same name).
 *
 * @since 0.1.0
 * @category errors
 */
export class APIUserAbortError extends APIError {
  readonly _tag = "Aborted" as const
  /** The SDK's spelling of `requestID`. */
  readonly requestId: undefined = undefined
  constructor({ message }: { readonly message?: string } = {}) {
    super(undefined, undefined, message ?? "Request was aborted.", undefined)
    this.name = "APIUserAbortError"
  }
}

CodexError.brand(APIUserAbortError)

/**
 * The backend could not be reached, or the connection broke before the response ended
 * (`TransportError`, `StreamInterrupted`).
 *
 * @since 0.1.0
 * @category errors
 */
export class APIConnectionError extends APIError {
  static override [Symbol.hasInstance](
    value: unknown
  ): value is APIConnectionError & (CodexError.TransportError | CodexError.StreamInterrupted | CodexError.Timeout) {
    return recognises(this, value)
  }
  constructor({ message, cause }: { readonly message?: string | undefined; readonly cause?: Error | undefined }) {
    super(undefined, undefined, message ?? "Connection error.", undefined)
    if (cause !== undefined) this.cause = cause
  }
}

/**
 * A time limit passed (`Timeout`).
 *
 * @since 0.1.0
 * @category errors
 */
export class APIConnectionTimeoutError extends APIConnectionError {
  static override [Symbol.hasInstance](value: unknown): value is APIConnectionTimeoutError & CodexError.Timeout {
    return recognises(this, value)
  }
  constructor({ message }: { readonly message?: string } = {}) {
    super({ message: message ?? "Request timed out." })
  }
}

/**
 * HTTP 400, and the SDK's local `UnsupportedParameter` / `InvalidParameter` (nothing was sent).
 *
 * @since 0.1.0
 * @category errors
 */
export class BadRequestError extends APIError {
  static override [Symbol.hasInstance](
    value: unknown
  ): value is
    & BadRequestError
    & (
      | CodexError.UnsupportedParameter
      | CodexError.InvalidParameter
      | CodexError.InvalidRequest
      | CodexError.ModelNotAvailable
      | CodexError.CyberPolicy
      | CodexError.InvalidImage
      | CodexError.ContextWindowExceeded
    )
  {
    return recognises(this, value)
  }
}
/**
 * HTTP 401 (`AuthExpired`).
 *
 * @since 0.1.0
 * @category errors
 */
export class AuthenticationError extends APIError {
  static override [Symbol.hasInstance](value: unknown): value is AuthenticationError & (CodexError.AuthExpired) {
    return recognises(this, value)
  }
}
/**
 * HTTP 403 (`PermissionDenied`).
 *
 * @since 0.1.0
 * @category errors
 */
export class PermissionDeniedError extends APIError {
  static override [Symbol.hasInstance](value: unknown): value is PermissionDeniedError & (CodexError.PermissionDenied) {
    return recognises(this, value)
  }
}
/**
 * HTTP 404 (`NotFound`, `RealtimeUnavailable`).
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFoundError extends APIError {
  static override [Symbol.hasInstance](
    value: unknown
  ): value is NotFoundError & (CodexError.NotFound | CodexError.RealtimeUnavailable | CodexError.ModelNotAvailable) {
    return recognises(this, value)
  }
}
/**
 * HTTP 409.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConflictError extends APIError {
  static override [Symbol.hasInstance](value: unknown): value is ConflictError & (CodexError.UnexpectedStatus) {
    return recognises(this, value)
  }
}
/**
 * HTTP 422.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnprocessableEntityError extends APIError {
  static override [Symbol.hasInstance](
    value: unknown
  ): value is UnprocessableEntityError & (CodexError.UnexpectedStatus) {
    return recognises(this, value)
  }
}
/**
 * HTTP 429 (`RateLimited`: `kind`, `resetsAt`, `planType`, `retryAfter`).
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimitError extends APIError {
  static override [Symbol.hasInstance](value: unknown): value is RateLimitError & (CodexError.RateLimited) {
    return recognises(this, value)
  }
}
/**
 * HTTP 500 and above (`ServerError`).
 *
 * @since 0.1.0
 * @category errors
 */
export class InternalServerError extends APIError {
  static override [Symbol.hasInstance](
    value: unknown
  ): value is InternalServerError & (CodexError.ServerError | CodexError.RefreshFailed) {
    return recognises(this, value)
  }
}

type Class = abstract new(...args: never) => unknown

/** The most specific class of openai-node's family for a tagged error. */
const classOf = (error: Tagged): Class => {
  switch (error._tag) {
    case "TransportError":
    case "StreamInterrupted":
      return APIConnectionError
    case "Timeout":
      return APIConnectionTimeoutError
    case "ResponseFailed":
    case "DecodeError":
      return APIError
    case "ModelNotAvailable":
      return error.status === 404 ? NotFoundError : BadRequestError
    case "UnexpectedStatus":
      // never 400, 401, 403, 404, 429 nor 5xx: those have their own tags
      return error.status === 409 ? ConflictError : error.status === 422 ? UnprocessableEntityError : APIError
    case "RefreshFailed":
      return error.status !== undefined && error.status >= 500 ? InternalServerError : APIError
    // Not about one request: a login, the token file, the model's answer, the tool loop.
    case "LoginFailed":
    case "TokenStoreError":
    case "OutputMismatch":
    case "ModelRefusal":
    case "MaxStepsReached":
    case "ApiKeyMissing":
    case "ResponseIncomplete":
      return OpenAIError
  }
  switch (impliedStatus(error)) {
    case 400:
      return BadRequestError
    case 401:
      return AuthenticationError
    case 403:
      return PermissionDeniedError
    case 404:
      return NotFoundError
    case 429:
      return RateLimitError
    case 500:
      return InternalServerError
  }
  return APIError
}

function recognises(target: Class, value: unknown): boolean {
  if (Function.prototype[Symbol.hasInstance].call(target, value)) return true
  if (!isTagged(value)) return false
  const cls = classOf(value)
  return cls === target || Object.prototype.isPrototypeOf.call(target.prototype, cls.prototype)
}

const define = (error: Tagged, name: string, value: unknown) => {
  const own = Object.getOwnPropertyDescriptor(error, name)
  if (own === undefined || (own.value === undefined && own.configurable === true)) {
    Object.defineProperty(error, name, { value, enumerable: false, configurable: true, writable: false })
  }
}

/**
 * Gives a tagged error openai-node's `APIError` fields (`status` when its kind implies
 * one, `requestID`, `headers`, `error`, `code`, `param`, `type`), and returns it. Fields
 * the error already has (`code` of `InvalidRequest`) are kept.
 *
 * @since 0.1.0
 * @category conversions
 */
export const withApiFields = (error: unknown): unknown => {
  if (!isTagged(error)) return error
  const requestId = "requestId" in error ? error.requestId : undefined
  const cfRay = "cfRay" in error ? error.cfRay : undefined
  const entries: Array<[string, string]> = []
  if (requestId !== undefined) entries.push(["x-request-id", requestId])
  if (cfRay !== undefined) entries.push(["cf-ray", cfRay])
  const code = "code" in error && typeof error.code === "string" ? error.code : undefined
  const param = error._tag === "UnsupportedParameter"
    ? error.parameter
    : error._tag === "InvalidParameter"
    ? error.parameter
    : "param" in error
    ? error.param
    : undefined
  const type = error._tag === "RateLimited"
    ? error.kind
    : error._tag === "InvalidRequest"
    ? "invalid_request_error"
    : undefined
  define(error, "requestID", requestId)
  define(error, "headers", entries.length === 0 ? undefined : new Headers(entries))
  define(error, "error", { message: error.message, type, code, param })
  define(error, "code", code)
  define(error, "param", param)
  define(error, "type", type)
  if (!("status" in error) || error.status === undefined) define(error, "status", impliedStatus(error))
  return error
}
