import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import * as NodeFs from "node:fs/promises"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { CodexAuth, CodexConfig, CodexEmulator } from "../src/index.js"

const claims = (accountId: string, extra: Record<string, unknown> = {}) => ({
  exp: 4102444800,
  "https://api.openai.com/auth": { chatgpt_account_id: accountId, chatgpt_plan_type: "pro", ...extra }
})

const writeAuth = (dir: string, access: string, accountId: string | null = null) =>
  NodeFs.writeFile(
    NodePath.join(dir, "auth.json"),
    JSON.stringify({
      auth_mode: "chatgpt",
      OPENAI_API_KEY: null,
      tokens: { id_token: CodexEmulator.fakeJwt(claims("acct_id")), access_token: access, refresh_token: "rt_secret", account_id: accountId },
      last_refresh: "2026-08-20T09:15:02.123456Z"
    })
  )

const withHome = <A, E>(f: (dir: string) => Effect.Effect<A, E, CodexAuth.CodexAuth>) =>
  Effect.acquireUseRelease(
    Effect.promise(() => NodeFs.mkdtemp(NodePath.join(NodeOs.tmpdir(), "codex-auth-"))),
    (dir) => Effect.provide(f(dir), CodexAuth.layerAuthFile.pipe(Layer.provide(CodexConfig.layer({ codexHome: dir })))),
    (dir) => Effect.promise(() => NodeFs.rm(dir, { recursive: true, force: true }))
  )

describe("CodexAuth", () => {
  it("makeCredentials reads account, plan and FedRAMP from the claims, and keeps the token redacted", () => {
    const token = CodexEmulator.fakeJwt(claims("acct_1", { chatgpt_account_is_fedramp: true }))
    const credentials = CodexAuth.makeCredentials({ accessToken: token })
    assert.strictEqual(credentials.accountId, "acct_1")
    assert.strictEqual(credentials.planType, "pro")
    assert.isTrue(credentials.fedramp)
    assert.strictEqual(Redacted.value(credentials.accessToken), token)
    assert.notInclude(String(credentials.accessToken), token)
    assert.notInclude(JSON.stringify(credentials), token)
  })

  it.effect("layerAuthFile reads auth.json; the account id falls back to the id token's claim", () =>
    withHome((dir) =>
      Effect.gen(function*() {
        const access = CodexEmulator.fakeJwt(claims("acct_access"))
        yield* Effect.promise(() => writeAuth(dir, access))
        const auth = yield* CodexAuth.CodexAuth
        const credentials = yield* auth.credentials
        assert.strictEqual(Redacted.value(credentials.accessToken), access)
        assert.strictEqual(credentials.accountId, "acct_id")
      })
    ))

  it.effect("after a 401, adopts tokens another process wrote; fails when the file has nothing newer", () =>
    withHome((dir) =>
      Effect.gen(function*() {
        const first = CodexEmulator.fakeJwt(claims("acct_1"))
        yield* Effect.promise(() => writeAuth(dir, first, "acct_1"))
        const auth = yield* CodexAuth.CodexAuth
        const rejected = yield* auth.credentials
        const unchanged = yield* Effect.flip(auth.recover(rejected))
        assert.strictEqual(unchanged.reason, "unauthorized")
        const second = CodexEmulator.fakeJwt({ ...claims("acct_1"), exp: 4102444801 })
        yield* Effect.promise(() => writeAuth(dir, second, "acct_1"))
        const adopted = yield* auth.recover(rejected)
        assert.strictEqual(Redacted.value(adopted.accessToken), second)
        assert.strictEqual(Redacted.value((yield* auth.credentials).accessToken), second)
        yield* Effect.promise(() => writeAuth(dir, CodexEmulator.fakeJwt(claims("acct_other")), "acct_other"))
        const otherAccount = yield* Effect.flip(auth.recover(adopted))
        assert.strictEqual(otherAccount.reason, "unauthorized", "another account's tokens are not adopted")
      })
    ))

  it.effect("a missing or unusable auth.json is AuthExpired(missing_credentials) that says what to do, without secrets", () =>
    withHome((dir) =>
      Effect.gen(function*() {
        const auth = yield* CodexAuth.CodexAuth
        const missing = yield* Effect.flip(auth.credentials)
        assert.strictEqual(missing.reason, "missing_credentials")
        assert.include(missing.message, "auth.json does not exist")
        assert.include(missing.message, "keyring")
        yield* Effect.promise(() => NodeFs.writeFile(NodePath.join(dir, "auth.json"), "{\"OPENAI_API_KEY\":\"sk-secret\"}"))
        const apiKeyOnly = yield* Effect.flip(auth.credentials)
        assert.include(apiKeyOnly.message, "no ChatGPT tokens")
        assert.notInclude(apiKeyOnly.message, "sk-secret")
      })
    ))
})
