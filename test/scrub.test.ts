import { assert, describe, it } from "@effect/vitest"
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
      for (const secret of ["opaque-live-refresh-token-123", "abc.def-ghi", "sk-anything", "rt_plain", "at_escaped", "rt_form", jwt, "idt_single_quoted"]) {
        assert.notInclude(clean, secret, text)
      }
      assert.include(clean, "[redacted]", text)
    }
    assert.strictEqual(scrub("{\"detail\":\"Store must be set to false\"}"), "{\"detail\":\"Store must be set to false\"}", "plain text is kept")
    assert.strictEqual(scrub("the id_token is missing"), "the id_token is missing")
    const parsed = JSON.parse(scrub(JSON.stringify({ error: { message: "Bearer eyJx.eyJy.z", refresh_token: "rt_x" } })))
    assert.deepStrictEqual(parsed, { error: { message: "Bearer [redacted]", refresh_token: "[redacted]" } }, "JSON stays JSON")
  })

  it("scrubDeep copies only what changes", () => {
    const unchanged = { a: ["x", 1, { b: "y" }] }
    assert.strictEqual(scrubDeep(unchanged), unchanged)
    const changed = scrubDeep({ a: ["Bearer secret-value", 1], c: { d: "ok" } })
    assert.deepStrictEqual(changed, { a: ["Bearer [redacted]", 1], c: { d: "ok" } })
  })
})
