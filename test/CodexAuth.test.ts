import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Redacted } from "effect"
import * as NodeFs from "node:fs/promises"
import * as NodePath from "node:path"
import * as CodexEmulator from "../src/CodexEmulator.js"
import * as CodexTransport from "../src/CodexTransport.js"
import { CodexAuth, CodexConfig, CodexError, Responses, TokenStore } from "../src/index.js"
import { layerClient, seed, tempHome } from "./helpers.js"

const withHome = <A, E, R>(f: (dir: string) => Effect.Effect<A, E, R>, options: CodexEmulator.Options = {}) =>
  Effect.scoped(Effect.flatMap(tempHome, (dir) =>
    f(dir).pipe(
      Effect.provide(
        layerClient({ ...options, codexHome: dir, config: { retryBaseDelay: Duration.millis(1) } })
      )
    )))

/** Spends a refresh token at the emulated issuer, as another client would. */
const burn = (issuer: string, refreshToken: string) =>
  Effect.promise(() =>
    fetch(`${issuer}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_id: "x", grant_type: "refresh_token", refresh_token: refreshToken })
    })
  )

const services = Effect.all({
  emulator: CodexEmulator.CodexEmulator,
  responses: Responses.Responses,
  auth: CodexAuth.CodexAuth,
  store: TokenStore.TokenStore
})

describe("CodexAuth over auth.json, against the emulated issuer", () => {
  it("makeCredentials reads account, plan and FedRAMP from the claims, and keeps the token redacted", () => {
    const token = CodexEmulator.fakeJwt({
      "https://api.openai.com/auth": {
        chatgpt_account_id: "acct_1",
        chatgpt_plan_type: "pro",
        chatgpt_account_is_fedramp: true
      }
    })
    const credentials = CodexAuth.makeCredentials({ accessToken: token })
    assert.strictEqual(credentials.accountId, "acct_1")
    assert.strictEqual(credentials.planType, "pro")
    assert.isTrue(credentials.fedramp)
    assert.strictEqual(Redacted.value(credentials.accessToken), token)
    assert.notInclude(String(credentials.accessToken), token)
    assert.notInclude(JSON.stringify(credentials), token)
  })

  it.live("100 concurrent calls on an expired token cause exactly one refresh; all succeed", () =>
    withHome(() =>
      Effect.gen(function*() {
        const { emulator, responses, store } = yield* services
        yield* seed(yield* emulator.issuer.issue(-60))
        const results = yield* Effect.all(
          Array.from({ length: 100 }, (_, i) => responses.create({ input: `call ${i}` })),
          { concurrency: "unbounded" }
        )
        assert.lengthOf(results, 100)
        assert.isTrue(results.every((r, i) => r.output_text === `You said: call ${i}`))
        assert.strictEqual(yield* emulator.issuer.refreshRequests, 1)
        const stored = yield* store.load
        const exp = CodexAuth.makeCredentials({ accessToken: stored?.accessToken ?? "" })
        assert.isDefined(exp.accountId)
        assert.isAbove(
          JSON.parse(
            Buffer.from(Redacted.value(stored?.accessToken ?? Redacted.make("")).split(".")[1] ?? "", "base64url")
              .toString()
          ).exp * 1000,
          Date.now(),
          "the stored access token is the fresh one"
        )
      })
    ))

  it.live("a 401 adopts tokens another process wrote, without a refresh", () =>
    withHome(() =>
      Effect.gen(function*() {
        const { auth, emulator, responses } = yield* services
        const first = yield* emulator.issuer.issue(3600)
        yield* seed(first)
        yield* auth.credentials // loaded into memory
        const rotated = yield* emulator.issuer.issue(3600)
        yield* seed(rotated) // "the Codex CLI" rotated them on disk
        yield* emulator.script(CodexEmulator.http(401, { error: { code: "token_expired", message: "expired" } }))
        assert.strictEqual((yield* responses.create({ input: "x" })).output_text, "You said: x")
        assert.strictEqual(yield* emulator.issuer.refreshRequests, 0)
        const requests = (yield* emulator.requests).filter((r) => r.path.endsWith("/responses"))
        assert.strictEqual(requests[1]?.headers["authorization"], `Bearer ${rotated.accessToken}`)
      })
    ))

  it.live("a 401 with nothing newer on disk refreshes once, then retries", () =>
    withHome(() =>
      Effect.gen(function*() {
        const { emulator, responses } = yield* services
        yield* seed(yield* emulator.issuer.issue(3600))
        yield* emulator.script(CodexEmulator.http(401, { error: { code: "token_revoked", message: "revoked" } }))
        assert.strictEqual((yield* responses.create({ input: "x" })).output_text, "You said: x")
        assert.strictEqual(yield* emulator.issuer.refreshRequests, 1)
        yield* emulator.script(
          CodexEmulator.http(401, { error: { message: "again" } }),
          CodexEmulator.http(401, { error: { message: "and again" } })
        )
        const error = yield* Effect.flip(responses.create({ input: "x" }))
        assert.isTrue(error._tag === "AuthExpired" && error.reason === "unauthorized", "a second 401 is final")
      })
    ))

  it.live("a reused refresh token is AuthExpired(refresh_token_reused), remembered, never retried", () =>
    withHome(() =>
      Effect.gen(function*() {
        const { auth, emulator, responses } = yield* services
        const tokens = yield* emulator.issuer.issue(-60)
        yield* seed(tokens)
        yield* burn(emulator.url, tokens.refreshToken)
        const error = yield* Effect.flip(responses.create({ input: "x" }))
        assert.isTrue(error._tag === "AuthExpired" && error.reason === "refresh_token_reused")
        assert.strictEqual(
          error.message,
          "Your access token could not be refreshed because your refresh token was already used. Please log out and sign in again."
        )
        const again = yield* Effect.flip(auth.credentials)
        assert.strictEqual(again._tag, "AuthExpired")
        assert.strictEqual(
          yield* emulator.issuer.refreshRequests,
          2,
          "one burn + one attempt; the failure is remembered"
        )
        assert.lengthOf((yield* emulator.requests).filter((r) => r.path.endsWith("/responses")), 0)
      })
    ))

  it.live("a remembered permanent failure ends when auth.json changes (a new login): the new tokens are adopted", () =>
    withHome(() =>
      Effect.gen(function*() {
        const { auth, emulator, responses } = yield* services
        const tokens = yield* emulator.issuer.issue(-60)
        yield* seed(tokens)
        yield* burn(emulator.url, tokens.refreshToken)
        const error = yield* Effect.flip(auth.credentials)
        assert.isTrue(error._tag === "AuthExpired" && error.reason === "refresh_token_reused")
        yield* seed(yield* emulator.issuer.issue(3600)) // `codex login` in another terminal
        const answer = yield* responses.create({ input: "signed in again" })
        assert.strictEqual(answer.output_text, "You said: signed in again")
        assert.strictEqual(
          yield* emulator.issuer.refreshRequests,
          2,
          "the burn and the one failed attempt; nothing after"
        )
      })
    ))

  it.live("transient token-endpoint failures are retried; the tokens on disk stay valid", () =>
    withHome(() =>
      Effect.gen(function*() {
        const { emulator, responses } = yield* services
        yield* seed(yield* emulator.issuer.issue(-60))
        yield* emulator.scriptRoute(
          "token",
          CodexEmulator.http(502, "Bad Gateway"),
          CodexEmulator.http(500, { error: "oops" })
        )
        assert.strictEqual((yield* responses.create({ input: "x" })).output_text, "You said: x")
        assert.lengthOf((yield* emulator.requests).filter((r) => r.path === "/oauth/token"), 3)
      })
    ))

  it.live("tokens of another account on disk are never adopted: AuthExpired(account_changed)", () =>
    withHome((dir) =>
      Effect.gen(function*() {
        const { auth, emulator } = yield* services
        yield* seed(yield* emulator.issuer.issue(-60))
        const loaded = yield* auth.credentials.pipe(Effect.either) // refreshes the expired token first
        assert.strictEqual(loaded._tag, "Right")
        const file = NodePath.join(dir, "auth.json")
        const json = JSON.parse(yield* Effect.promise(() => NodeFs.readFile(file, "utf8")))
        json.tokens.account_id = "acct_someone_else"
        yield* Effect.promise(() => NodeFs.writeFile(file, JSON.stringify(json, null, 2)))
        const credentials = loaded._tag === "Right" ? loaded.right : undefined
        if (credentials === undefined) return
        const error = yield* Effect.flip(auth.recover(credentials))
        assert.isTrue(error._tag === "AuthExpired" && error.reason === "account_changed")
        assert.include(error.message, "signed in to another account")
      })
    ))

  it.live("no stored login: AuthExpired(missing_credentials) naming the file and the keyring", () =>
    withHome((dir) =>
      Effect.gen(function*() {
        const { responses } = yield* services
        const error = yield* Effect.flip(responses.create({ input: "x" }))
        assert.isTrue(error._tag === "AuthExpired" && error.reason === "missing_credentials")
        assert.include(error.message, NodePath.join(dir, "auth.json"))
        assert.include(error.message, "keyring")
      })
    ))
})

describe("a refresh whose lock was broken while held (hardening round 2)", () => {
  it.scopedLive("finds auth.json rotated by the process that broke it: adopts the newer tokens instead of failing", () =>
    Effect.gen(function*() {
      const emulator = yield* CodexEmulator.make()
      const expired = yield* emulator.issuer.issue(-60)
      const newer = yield* emulator.issuer.issue(3600)
      const tokens = (t: typeof expired) => ({
        idToken: Redacted.make(t.idToken),
        accessToken: Redacted.make(t.accessToken),
        refreshToken: Redacted.make(t.refreshToken),
        lastRefresh: new Date()
      })
      const inner = yield* TokenStore.makeMemory({ ...tokens(expired), accountId: undefined, apiKey: undefined })
      // A store whose lock is broken while `f` runs: another process writes newer tokens, ours are not written.
      const store: TokenStore.Service = {
        location: "auth.json",
        load: inner.load,
        clear: inner.clear,
        modify: (f) =>
          Effect.flatMap(inner.load, (current) =>
            Effect.zipRight(
              f(current),
              Effect.zipRight(
                inner.modify(() => Effect.succeed([undefined, tokens(newer)] as const)),
                Effect.fail(
                  new CodexError.TokenStoreError({ path: "auth.json", detail: "lock broken", reason: "lock_lost" })
                )
              )
            ))
      }
      const auth = yield* CodexAuth.make().pipe(
        Effect.provideService(TokenStore.TokenStore, store),
        Effect.provide(CodexConfig.layer(emulator.config)),
        Effect.provide(CodexTransport.layerUndici)
      )
      const credentials = yield* auth.credentials
      assert.strictEqual(Redacted.value(credentials.accessToken), newer.accessToken)
    }))
})
