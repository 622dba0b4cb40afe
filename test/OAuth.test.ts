import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Redacted, TestClock } from "effect"
import * as NodeFs from "node:fs/promises"
import * as NodePath from "node:path"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { OAuth, Responses, TokenStore } from "../src/index.js"
import { layerClient, tempHome } from "./helpers.js"

const withHome = <A, E, R>(f: (dir: string) => Effect.Effect<A, E, R>, options: CodexEmulator.Options = {}) =>
  Effect.scoped(
    Effect.flatMap(
      tempHome,
      (dir) => f(dir).pipe(Effect.provide(layerClient({ ...options, codexHome: dir })))
    )
  )

/** Plays the browser: follows the authorize URL's redirects to the callback and /success. */
const browse = (url: string) =>
  fetch(url, { redirect: "follow" }).then(async (r) => ({ status: r.status, url: r.url, text: await r.text() }))

const redirectPort = (url: string) => new URL(new URL(url).searchParams.get("redirect_uri") ?? "").port

describe("OAuth against the emulated issuer", () => {
  it("authorize URL: every parameter, in order, RFC 3986 encoded", () => {
    const pkce = OAuth.makePkce()
    assert.strictEqual(pkce.verifier.length, 86)
    assert.strictEqual(pkce.state.length, 43)
    const url = OAuth.authorizeUrl(
      { authIssuer: "https://auth.openai.com", originator: "codex_cli_rs" },
      { redirectUri: "http://localhost:1455/auth/callback", pkce, workspaceId: "acct_1" }
    )
    const query = url.split("?")[1] ?? ""
    assert.deepStrictEqual(query.split("&").map((p) => p.split("=")[0]), [
      "response_type",
      "client_id",
      "redirect_uri",
      "scope",
      "code_challenge",
      "code_challenge_method",
      "id_token_add_organizations",
      "codex_cli_simplified_flow",
      "state",
      "originator",
      "allowed_workspace_id"
    ])
    assert.include(
      query,
      "scope=openid%20profile%20email%20offline_access%20api.connectors.read%20api.connectors.invoke"
    )
    assert.notInclude(query, "+")
    assert.include(query, "redirect_uri=http%3A%2F%2Flocalhost%3A1455%2Fauth%2Fcallback")
  })

  it.live("browser login: a client following the redirects signs in; auth.json is the CLI's format, mode 0600", () =>
    withHome((dir) =>
      Effect.gen(function*() {
        const page = yield* Deferred.make<{ status: number; url: string; text: string }>()
        const result = yield* OAuth.login({
          port: 0,
          openBrowser: false,
          onUrl: (url) => Effect.sync(() => void browse(url).then((p) => Effect.runSync(Deferred.succeed(page, p))))
        })
        assert.strictEqual(result.accountId, "acct_emulated")
        assert.strictEqual(result.email, "user@example.com")
        assert.isTrue(result.apiKey)
        const landed = yield* Deferred.await(page)
        assert.strictEqual(landed.status, 200)
        assert.match(landed.url, /^http:\/\/localhost:\d+\/success$/)
        assert.include(landed.text, "Signed in to Codex")

        const file = NodePath.join(dir, "auth.json")
        const stat = yield* Effect.promise(() => NodeFs.stat(file))
        assert.strictEqual(stat.mode & 0o777, 0o600)
        const text = yield* Effect.promise(() => NodeFs.readFile(file, "utf8"))
        const json = JSON.parse(text)
        assert.deepStrictEqual(Object.keys(json), ["auth_mode", "OPENAI_API_KEY", "tokens", "last_refresh"])
        assert.deepStrictEqual(Object.keys(json.tokens), ["id_token", "access_token", "refresh_token", "account_id"])
        assert.strictEqual(json.auth_mode, "chatgpt")
        assert.match(json.OPENAI_API_KEY, /^sk-emulated-/)
        assert.strictEqual(json.tokens.account_id, "acct_emulated")
        assert.match(json.last_refresh, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
        assert.strictEqual(text, JSON.stringify(json, null, 2), "pretty JSON with a 2-space indent, as the CLI writes")
        assert.lengthOf((yield* Effect.promise(() => NodeFs.readdir(dir))).filter((f) => f.endsWith(".tmp")), 0)

        // the new login works against the backend
        const responses = yield* Responses.Responses
        assert.strictEqual((yield* responses.create({ input: "hi" })).output_text, "You said: hi")
      })
    ))

  it.live("a state mismatch is answered 400 and ignored; the callback server listens on loopback only", () =>
    withHome(() =>
      Effect.gen(function*() {
        const urls = yield* Deferred.make<string>()
        const listening = yield* Deferred.make<ReadonlyArray<string>>()
        const fiber = yield* Effect.fork(OAuth.login({
          port: 0,
          openBrowser: false,
          onUrl: (url) => Deferred.succeed(urls, url),
          onListening: (addresses) => Deferred.succeed(listening, addresses)
        }))
        const url = yield* Deferred.await(urls)
        const port = redirectPort(url)
        const addresses = yield* Deferred.await(listening)
        assert.isAtLeast(addresses.length, 1)
        for (const address of addresses) assert.match(address, new RegExp(`^(127\\.0\\.0\\.1|\\[::1\\]):${port}$`))
        const forged = yield* Effect.promise(() =>
          fetch(`http://127.0.0.1:${port}/auth/callback?code=evil&state=wrong`)
        )
        assert.strictEqual(forged.status, 400)
        assert.strictEqual(yield* Effect.promise(() => forged.text()), "State mismatch")
        yield* Effect.promise(() => browse(url))
        const result = yield* Fiber.join(fiber)
        assert.strictEqual(result.accountId, "acct_emulated")
      })
    ))

  it.live(
    "/cancel with the login's state ends the login as cancelled; a busy port is a clear LoginFailed",
    () =>
      withHome(() =>
        Effect.gen(function*() {
          const urls = yield* Deferred.make<string>()
          const fiber = yield* Effect.fork(
            OAuth.login({ port: 0, openBrowser: false, onUrl: (url) => Deferred.succeed(urls, url) })
          )
          const url = yield* Deferred.await(urls)
          const port = Number(redirectPort(url))
          const state = new URL(url).searchParams.get("state") ?? ""
          const busy = yield* Effect.flip(OAuth.login({ port, openBrowser: false, onUrl: () => Effect.void }))
          assert.isTrue(busy._tag === "LoginFailed" && busy.reason === "port_in_use")
          assert.include(busy.message, "device-code login")
          yield* Effect.promise(() => fetch(`http://127.0.0.1:${port}/cancel?state=${state}`))
          const cancelled = yield* Effect.flip(Fiber.join(fiber))
          assert.isTrue(cancelled._tag === "LoginFailed" && cancelled.reason === "cancelled")
        })
      ),
    15_000
  )

  it.effect("the login times out (TestClock)", () =>
    withHome(() =>
      Effect.gen(function*() {
        const urls = yield* Deferred.make<string>()
        const fiber = yield* Effect.fork(
          OAuth.login({
            port: 0,
            openBrowser: false,
            timeout: "15 minutes",
            onUrl: (url) => Deferred.succeed(urls, url)
          })
        )
        yield* Deferred.await(urls)
        yield* TestClock.adjust("15 minutes")
        const error = yield* Effect.flip(Fiber.join(fiber))
        assert.isTrue(error._tag === "LoginFailed" && error.reason === "timed_out")
      })
    ))

  it.live("device-code login: polls while pending, exchanges the server's verifier, persists", () =>
    withHome(() =>
      Effect.gen(function*() {
        const codes: Array<OAuth.DeviceCode> = []
        const result = yield* OAuth.loginDevice({ onCode: (code) => Effect.sync(() => void codes.push(code)) })
        assert.strictEqual(result.accountId, "acct_emulated")
        assert.isFalse(result.apiKey, "no API-key exchange by default, as the CLI")
        assert.match(codes[0]?.userCode ?? "", /^.{4}-.{4}$/)
        assert.match(codes[0]?.verificationUrl ?? "", /\/codex\/device$/)
        const emulator = yield* CodexEmulator.CodexEmulator
        const polls = (yield* emulator.requests).filter((r) => r.path === "/api/accounts/deviceauth/token")
        assert.lengthOf(polls, 3, "two pending polls, then the code")
        const stored = yield* Effect.flatMap(TokenStore.TokenStore, (s) => s.load)
        assert.isDefined(stored)
        assert.isUndefined(stored?.apiKey)
      }), { deviceInterval: 0, devicePendingPolls: 2 }))

  it.live("a workspace-restricted login into another workspace persists nothing", () =>
    withHome((dir) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(OAuth.loginDevice({ workspaceId: "acct_other", onCode: () => Effect.void }))
        assert.isTrue(error._tag === "LoginFailed" && error.reason === "workspace_restriction")
        const files = yield* Effect.promise(() => NodeFs.readdir(dir))
        assert.notInclude(files, "auth.json")
      }), { deviceInterval: 0 }))

  it.live("logout revokes the refresh token, then removes auth.json", () =>
    withHome((dir) =>
      Effect.gen(function*() {
        yield* OAuth.loginDevice({ onCode: () => Effect.void })
        const emulator = yield* CodexEmulator.CodexEmulator
        yield* OAuth.logout()
        assert.strictEqual(yield* emulator.issuer.revocations, 1)
        const revoke = (yield* emulator.requests).find((r) => r.path === "/oauth/revoke")
        assert.include(String(revoke?.body), "\"token_type_hint\":\"refresh_token\"")
        assert.notInclude(yield* Effect.promise(() => NodeFs.readdir(dir)), "auth.json")
      }), { deviceInterval: 0 }))

  it("claims() reads the id token; an undecodable token has none", () => {
    const token = CodexEmulator.fakeJwt({
      exp: 1767229200,
      email: "user@example.com",
      "https://api.openai.com/auth": {
        chatgpt_account_id: "acct_x",
        chatgpt_plan_type: "prolite",
        chatgpt_account_is_fedramp: true
      }
    })
    assert.deepStrictEqual(OAuth.claims(Redacted.make(token)), {
      accountId: "acct_x",
      planType: "prolite",
      email: "user@example.com",
      fedramp: true,
      exp: 1767229200
    })
    assert.deepStrictEqual(OAuth.claims("not-a-jwt"), {
      accountId: undefined,
      planType: undefined,
      email: undefined,
      fedramp: false,
      exp: undefined
    })
  })
})

describe("OAuth options are checked before anything runs", () => {
  // What a JavaScript caller (or a hand-written CLI) can pass despite the types.
  const fromJavaScript = (options: object): OAuth.LoginOptions => Object.assign({}, options)
  const untypedLogout = (options: object): { readonly revoke?: boolean } => Object.assign({}, options)

  it.live("a bad login option is InvalidParameter naming it, never a defect", () =>
    withHome(() =>
      Effect.gen(function*() {
        const cases: ReadonlyArray<readonly [OAuth.LoginOptions, string, string]> = [
          [{ port: Number("abc") }, "port", "got NaN"],
          [{ port: 70_000 }, "port", "from 0 to 65535"],
          [{ port: 1.5 }, "port", "integer"],
          [{ timeout: -1 }, "timeout", "non-negative duration"],
          [{ timeout: Number.NaN }, "timeout", "non-negative duration"],
          [{ workspaceId: " " }, "workspaceId", "non-empty"],
          [fromJavaScript({ timeout: "soon" }), "timeout", "got \"soon\""],
          [fromJavaScript({ openBrowser: "no" }), "openBrowser", "true or false"],
          [fromJavaScript({ onUrl: "https://example.com" }), "onUrl", "function"]
        ]
        for (const [options, parameter, text] of cases) {
          const error = yield* Effect.flip(OAuth.login({ openBrowser: false, onUrl: () => Effect.void, ...options }))
          assert.strictEqual(error._tag, "InvalidParameter")
          if (error._tag !== "InvalidParameter") continue
          assert.strictEqual(error.parameter, parameter)
          assert.include(error.message, text)
        }
        const device = yield* Effect.flip(OAuth.loginDevice({ timeout: -5 }))
        assert.strictEqual(device._tag, "InvalidParameter")
        const logout = yield* Effect.flip(OAuth.logout(untypedLogout({ revoke: "yes" })))
        assert.strictEqual(logout._tag, "InvalidParameter")
      })
    ))
})
