import { assert, describe, it } from "@effect/vitest"
import { CodexAuth, TokenStore } from "../src/index.js"
import { fromReply, parseErrorBody } from "../src/internal/errors.js"
import { registerSecret, scrub, scrubDeep } from "../src/internal/scrub.js"

describe("scrub (issue 9)", () => {
  it("removes live tokens, Bearer values, token pairs (JSON, escaped JSON, form) and JWT-shaped strings", () => {
    registerSecret("opaque-live-refresh-token-123")
    const jwt = "eyJhbGciOiJub25lIn0.eyJleHAiOjF9.c2ln"
    const cases = [
      "you sent opaque-live-refresh-token-123, which is wrong",
      "Authorization: Bearer abc.def-ghi",
      "authorization: bearer sk-anything",
      "{\"refresh_token\": \"rt_plain\", \"ok\": 1}",
      "{\"detail\":\"{\\\"access_token\\\":\\\"at_escaped\\\"}\"}",
      "grant_type=refresh_token&refresh_token=rt_form&client_id=x",
      `token ${jwt} here`,
      "'id_token': 'idt_single_quoted'"
    ]
    for (const text of cases) {
      const clean = scrub(text)
      for (
        const secret of [
          "opaque-live-refresh-token-123",
          "abc.def-ghi",
          "sk-anything",
          "rt_plain",
          "at_escaped",
          "rt_form",
          jwt,
          "idt_single_quoted"
        ]
      ) {
        assert.notInclude(clean, secret, text)
      }
      assert.include(clean, "[redacted]", text)
    }
    assert.strictEqual(
      scrub("{\"detail\":\"Store must be set to false\"}"),
      "{\"detail\":\"Store must be set to false\"}",
      "plain text is kept"
    )
    assert.strictEqual(scrub("the id_token is missing"), "the id_token is missing")
    const parsed = JSON.parse(
      scrub(JSON.stringify({ error: { message: "Bearer eyJx.eyJy.z", refresh_token: "rt_x" } }))
    )
    assert.deepStrictEqual(
      parsed,
      { error: { message: "Bearer [redacted]", refresh_token: "[redacted]" } },
      "JSON stays JSON"
    )
  })

  it("scrubDeep copies only what changes", () => {
    const unchanged = { a: ["x", 1, { b: "y" }] }
    assert.strictEqual(scrubDeep(unchanged), unchanged)
    const changed = scrubDeep({ a: ["Bearer secret-value", 1], c: { d: "ok" } })
    assert.deepStrictEqual(changed, { a: ["Bearer [redacted]", 1], c: { d: "ok" } })
  })
})

describe("scrubbing, round 2: what is shown after decoding, headers, and every live credential", () => {
  const token = "opaque-access-token-for-round-two-0001"
  const escaped = (text: string) => [...text].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")

  it("a token echoed inside a JSON string with \\u escapes is scrubbed from every field read", () => {
    const credentials = CodexAuth.makeCredentials({ accessToken: token, accountId: "acct" })
    const raw = `{"detail":"you sent ${escaped(token)}","error":{"message":"echo ${escaped(token)}","code":"bad"}}`
    const body = parseErrorBody(raw, "application/json")
    assert.notInclude(String(body.detail), token)
    assert.include(String(body.detail), "[redacted]")
    const error = fromReply({ status: 400, headers: {}, body: raw, endpoint: "POST /responses", now: 0 })
    assert.notInclude(error.message, token)
    assert.notInclude(JSON.stringify(error), token)
    assert.isDefined(credentials)
  })

  it("x-request-id, cf-ray and the decoded x-error-json code are scrubbed", () => {
    const credentials = CodexAuth.makeCredentials({ accessToken: token, accountId: "acct" })
    const errorJson = Buffer.from(JSON.stringify({ error: { code: `expired ${token}` } })).toString("base64")
    const error = fromReply({
      status: 401,
      headers: { "x-request-id": `req ${token}`, "cf-ray": `ray ${token}`, "x-error-json": errorJson },
      body: "{}",
      endpoint: "POST /responses",
      now: 0
    })
    assert.notInclude(error.message, token)
    assert.notInclude(JSON.stringify(error), token)
    assert.isDefined(credentials)
  })

  it("a credential of a live layer is never forgotten, however many tenants came after it", () => {
    // One credential a tenant, all kept alive (as layerTokens layers keep theirs): the first
    // must still be scrubbed after 200 more were registered.
    const tenants = Array.from(
      { length: 200 },
      (_, i) =>
        CodexAuth.makeCredentials({
          accessToken: `opaque-tenant-token-${String(i).padStart(4, "0")}-xyz`,
          accountId: `acct_${i}`
        })
    )
    assert.strictEqual(scrub("echo opaque-tenant-token-0000-xyz"), "echo [redacted]")
    const stored = TokenStore.tokens({
      idToken: "opaque-id-token-kept-123",
      accessToken: "opaque-access-kept-123",
      refreshToken: "opaque-refresh-kept-123"
    })
    for (let i = 0; i < 100; i++) registerSecret(`transient-secret-${i}-abcdef`)
    assert.strictEqual(scrub("opaque-refresh-kept-123"), "[redacted]")
    assert.lengthOf(tenants, 200)
    assert.isDefined(stored)
  })
})
