import { assert, describe, it } from "@effect/vitest"
import { Duration, Schema } from "effect"
import { CodexError } from "../src/index.js"

const reply = { status: 429, endpoint: "POST /responses", requestId: "req_1", cfRay: "ray_1" } as const
const response = { id: "resp_1", object: "response", status: "failed", output: [], output_text: "" }
const snapshots = [{
  limit_id: "codex",
  limit_name: null,
  primary: { used_percent: 100, window_minutes: 300, resets_at: 1_767_225_600 },
  secondary: null,
  credits: null,
  plan_type: "plus",
  rate_limit_reached_type: null
}]

/** One instance of every class of the family, every field set: the mapped type fails to compile if one is missing. */
const samples: { readonly [Tag in CodexError.CodexError["_tag"]]: Extract<CodexError.CodexError, { _tag: Tag }> } = {
  UnsupportedParameter: new CodexError.UnsupportedParameter({ ...reply, parameter: "temperature", origin: "server" }),
  InvalidParameter: new CodexError.InvalidParameter({ parameter: "tools", detail: "two tools are named f" }),
  InvalidRequest: new CodexError.InvalidRequest({ ...reply, detail: "bad", code: "invalid_value", param: "input" }),
  ModelNotAvailable: new CodexError.ModelNotAvailable({ ...reply, model: "gpt-5-pro", detail: "not supported" }),
  CyberPolicy: new CodexError.CyberPolicy({ ...reply, detail: "flagged" }),
  InvalidImage: new CodexError.InvalidImage({ ...reply, detail: "not an image" }),
  AuthExpired: new CodexError.AuthExpired({
    ...reply,
    reason: "unauthorized",
    detail: "401",
    errorCode: "token_expired",
    authorizationError: "invalid_token"
  }),
  RefreshFailed: new CodexError.RefreshFailed({ ...reply, detail: "502", cause: new TypeError("fetch failed") }),
  TokenStoreError: new CodexError.TokenStoreError({
    path: "/home/u/.codex/auth.json",
    detail: "the lock was lost",
    reason: "lock_lost",
    cause: new Error("EACCES")
  }),
  LoginFailed: new CodexError.LoginFailed({ ...reply, reason: "port_in_use", detail: "Port 1455 is busy." }),
  PermissionDenied: new CodexError.PermissionDenied({ ...reply, reason: "cloudflare", detail: "challenge" }),
  NotFound: new CodexError.NotFound({ ...reply, detail: "no such task" }),
  RateLimited: new CodexError.RateLimited({
    ...reply,
    kind: "usage_limit_reached",
    detail: "limit",
    planType: "plus",
    resetsAt: new Date(Date.UTC(2026, 0, 1, 5)),
    retryAfter: Duration.millis(1500),
    promoMessage: "Try Pro",
    rateLimits: snapshots
  }),
  ServerError: new CodexError.ServerError({ ...reply, detail: "busy", overloaded: true, code: "slow_down" }),
  UnexpectedStatus: new CodexError.UnexpectedStatus({ ...reply, detail: "teapot" }),
  ContextWindowExceeded: new CodexError.ContextWindowExceeded({ ...reply, detail: "too long.", response }),
  OutputMismatch: new CodexError.OutputMismatch({
    schemaName: "Answer",
    text: "{\"a\":1}",
    issue: "is missing b",
    cause: new SyntaxError("Unexpected token"),
    response
  }),
  ModelRefusal: new CodexError.ModelRefusal({ refusal: "I can't help with that.", response }),
  MaxStepsReached: new CodexError.MaxStepsReached({
    maxSteps: 3,
    pendingCalls: ["call_1"],
    items: [{ type: "function_call", call_id: "call_1", name: "f", arguments: "{}" }],
    response
  }),
  ResponseFailed: new CodexError.ResponseFailed({ ...reply, code: "server_error", detail: "failed", response }),
  ResponseIncomplete: new CodexError.ResponseIncomplete({ reason: "max_output_tokens", response }),
  StreamInterrupted: new CodexError.StreamInterrupted({
    ...reply,
    eventsReceived: 4,
    responseId: "resp_1",
    cause: new Error("socket hang up")
  }),
  TransportError: new CodexError.TransportError({ endpoint: "POST /responses", cause: new Error("ECONNREFUSED") }),
  Timeout: new CodexError.Timeout({ phase: "idle", endpoint: "POST /responses", after: Duration.seconds(300) }),
  DecodeError: new CodexError.DecodeError({
    ...reply,
    detail: "not an event stream",
    frame: "<html>",
    contentType: "text/html"
  }),
  ApiKeyMissing: new CodexError.ApiKeyMissing({ feature: "The Realtime WebSocket" }),
  RealtimeUnavailable: new CodexError.RealtimeUnavailable({ ...reply, detail: "404" })
}

describe("the CodexError schema", () => {
  it("is the union of the whole family, one member per class", () => {
    const errors = Object.values(samples)
    assert.strictEqual(errors.length, 27)
    const covered = CodexError.CodexError.members.map((member) => errors.find((error) => error instanceof member)?._tag)
    assert.sameMembers(covered, Object.keys(samples))
    for (const error of errors) assert.isTrue(Schema.is(CodexError.CodexError)(error), error._tag)
  })

  it("round-trips every error class through JSON: same class, fields and message", () => {
    const encode = Schema.encodeSync(CodexError.CodexError)
    const decode = Schema.decodeUnknownSync(CodexError.CodexError)
    for (const error of Object.values(samples)) {
      const encoded = encode(error)
      const json = JSON.parse(JSON.stringify(encoded))
      assert.deepStrictEqual(json, encoded, `${error._tag}: the encoding is JSON-ready`)
      const decoded = decode(json)
      assert.strictEqual(decoded.constructor, error.constructor, error._tag)
      assert.strictEqual(decoded.message, error.message, error._tag)
      assert.deepStrictEqual(encode(decoded), encoded, error._tag)
      assert.isTrue(CodexError.isCodexError(decoded), error._tag)
    }
    const limited = encode(samples.RateLimited)
    assert.isTrue(
      limited._tag === "RateLimited" && limited.resetsAt === "2026-01-01T05:00:00.000Z" && limited.retryAfter === 1500
    )
  })

  it("never encodes a cause raw: its name and message only, scrubbed", () => {
    const cause = new Error("proxy refused Bearer sk-live-abcdefgh12345 at eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl")
    const encoded = Schema.encodeSync(CodexError.CodexError)(
      new CodexError.TransportError({ endpoint: "POST /responses", cause })
    )
    const json = JSON.stringify(encoded)
    assert.notInclude(json, "sk-live")
    assert.notInclude(json, "eyJ")
    assert.notInclude(json, "at Object.") // no stack
    assert.deepStrictEqual(encoded._tag === "TransportError" ? encoded.cause : undefined, {
      name: "Error",
      message: "proxy refused Bearer [redacted] at [redacted]"
    })
  })
})
