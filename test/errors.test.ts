import { assert, describe, it } from "@effect/vitest"
import { Duration } from "effect"
import { Batch, CodexError, Conversation, Models } from "../src/index.js"
import { fromReply, parseRetryAfter, parseTryAgainIn } from "../src/internal/errors.js"
import { APIUserAbortError } from "../src/OpenAI.js"

const now = Date.UTC(2026, 0, 1)
const reply = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  fromReply({
    status,
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
    endpoint: "POST /responses",
    now
  })

describe("backend error mapping (protocol §6)", () => {
  it("parses Retry-After in all its forms", () => {
    assert.strictEqual(
      Duration.toMillis(parseRetryAfter({ "retry-after-ms": "250", "retry-after": "9" }, now) ?? Duration.zero),
      250
    )
    assert.strictEqual(Duration.toMillis(parseRetryAfter({ "retry-after": "1.5" }, now) ?? Duration.zero), 1500)
    const date = new Date(now + 30_000).toUTCString()
    assert.strictEqual(Duration.toMillis(parseRetryAfter({ "retry-after": date }, now) ?? Duration.zero), 30_000)
    assert.isUndefined(parseRetryAfter({ "retry-after": "soon" }, now))
  })

  it("parses 'try again in' delays", () => {
    assert.strictEqual(Duration.toMillis(parseTryAgainIn("Please try again in 11.054s.") ?? Duration.zero), 11054)
    assert.strictEqual(Duration.toMillis(parseTryAgainIn("try again in 300ms") ?? Duration.zero), 300)
    assert.strictEqual(Duration.toMillis(parseTryAgainIn("Try Again In 2 seconds") ?? Duration.zero), 2000)
    assert.isUndefined(parseTryAgainIn("later"))
  })

  it("401: the x-error-json code and the authorization diagnostic ride along", () => {
    const errorJson = Buffer.from(JSON.stringify({ error: { code: "token_revoked" } })).toString("base64")
    const error = reply(401, { detail: "Unauthorized" }, {
      "x-error-json": errorJson,
      "x-openai-authorization-error": "invalid_token",
      "x-request-id": "req_1",
      "cf-ray": "ray_1"
    })
    assert.isTrue(error instanceof CodexError.AuthExpired)
    if (error._tag !== "AuthExpired") return
    assert.strictEqual(error.errorCode, "token_revoked")
    assert.strictEqual(error.authorizationError, "invalid_token")
    assert.strictEqual(error.requestId, "req_1")
    assert.strictEqual(error.cfRay, "ray_1")
  })

  it("usage limits: resets_in_seconds when resets_at is absent; 404 carrying one; usage_not_included", () => {
    const inSeconds = reply(429, { error: { type: "usage_limit_reached", message: "m", resets_in_seconds: 60 } })
    assert.isTrue(inSeconds._tag === "RateLimited" && inSeconds.resetsAt?.getTime() === now + 60_000)
    const on404 = reply(404, { error: { type: "usage_limit_reached", message: "m" } })
    assert.isTrue(on404._tag === "RateLimited" && on404.kind === "usage_limit_reached")
    const notIncluded = reply(429, { error: { type: "usage_not_included", message: "m", plan_type: "free" } })
    assert.isTrue(
      notIncluded._tag === "RateLimited" && notIncluded.kind === "usage_not_included" && notIncluded.planType === "free"
    )
    assert.isFalse(CodexError.isRetryable(notIncluded))
  })

  it("other statuses", () => {
    assert.strictEqual(reply(402, { error: { message: "pay" } })._tag, "RateLimited")
    assert.strictEqual(reply(403, { detail: "plan" })._tag, "PermissionDenied")
    const html = reply(403, "<html><body>blocked</body></html>", { "content-type": "text/html" })
    assert.isTrue(html._tag === "PermissionDenied" && html.reason === "cloudflare")
    assert.strictEqual(
      reply(400, { detail: "The image data you provided does not represent a valid image" })._tag,
      "InvalidImage"
    )
    assert.strictEqual(reply(400, { detail: "Usage limit reached." })._tag, "ModelNotAvailable")
    assert.strictEqual(reply(418, "teapot")._tag, "UnexpectedStatus")
    const plain = reply(502, "Bad Gateway")
    assert.isTrue(plain._tag === "ServerError" && plain.detail === "Bad Gateway" && CodexError.isRetryable(plain))
  })

  it("every error built from a reply names the endpoint it answered", () => {
    const cases: ReadonlyArray<readonly [number, unknown, string, Record<string, string>?]> = [
      [400, { detail: "Unsupported parameter: temperature" }, "UnsupportedParameter"],
      [400, { detail: "Usage limit reached." }, "ModelNotAvailable"],
      [400, { error: { code: "cyber_policy", message: "flagged" } }, "CyberPolicy"],
      [400, { detail: "The image data you provided does not represent a valid image" }, "InvalidImage"],
      [400, { error: { message: "bad", param: "input" } }, "InvalidRequest"],
      [401, { detail: "Unauthorized" }, "AuthExpired"],
      [402, { error: { message: "pay" } }, "RateLimited"],
      [403, "<html>Just a moment...</html>", "PermissionDenied", { "content-type": "text/html" }],
      [403, { error: { code: "unsupported_country_region_territory" } }, "PermissionDenied"],
      [403, { detail: "plan" }, "PermissionDenied"],
      [404, { detail: "Not Found" }, "NotFound"],
      [404, { error: { type: "usage_limit_reached", message: "m" } }, "RateLimited"],
      [429, { error: { type: "usage_not_included", message: "m" } }, "RateLimited"],
      [429, { error: { type: "insufficient_quota", message: "m" } }, "RateLimited"],
      [429, { error: { type: "rate_limit_exceeded", message: "try again in 2s" } }, "RateLimited"],
      [503, { error: { code: "server_is_overloaded", message: "busy" } }, "ServerError"],
      [503, "Service Unavailable", "ServerError"],
      [500, { error: { message: "boom" } }, "ServerError"],
      [418, "teapot", "UnexpectedStatus"]
    ]
    for (const [status, body, tag, headers] of cases) {
      const error = fromReply({
        status,
        headers: headers ?? {},
        body: typeof body === "string" ? body : JSON.stringify(body),
        endpoint: "GET /wham/usage",
        now
      })
      assert.strictEqual(error._tag, tag, `${status} ${JSON.stringify(body)}`)
      assert.strictEqual("endpoint" in error ? error.endpoint : undefined, "GET /wham/usage", `${status} ${tag}`)
    }
  })
})

describe("isCodexError", () => {
  it("recognises every SDK error, and nothing else", () => {
    assert.isTrue(CodexError.isCodexError(new CodexError.RateLimited({ kind: "usage_limit_reached", detail: "limit" })))
    assert.isTrue(CodexError.isCodexError(new CodexError.InvalidParameter({ parameter: "file", detail: "missing" })))
    assert.isTrue(CodexError.isCodexError(new CodexError.StreamInterrupted({ eventsReceived: 3 })))
    assert.isTrue(CodexError.isCodexError(new Batch.BatchStopped({ detail: "failFast", remaining: [] })))
    assert.isTrue(CodexError.isCodexError(new Batch.BatchFileError({ path: "in.jsonl", detail: "missing" })))
    assert.isTrue(CodexError.isCodexError(new APIUserAbortError()), "the Promise client's abort error")
    assert.isTrue(
      CodexError.isCodexError(new Models.PreflightRefused({ model: "m", reason: "unknown_model", detail: "x" }))
    )
    assert.isTrue(CodexError.isCodexError(new Conversation.StoreError({ operation: "save" })))
    assert.isFalse(CodexError.isCodexError(new Error("plain")))
    assert.isFalse(CodexError.isCodexError({ _tag: "RateLimited", message: "look-alike" }))
    assert.isFalse(CodexError.isCodexError(undefined))
  })
})
