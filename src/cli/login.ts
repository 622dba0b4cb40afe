/**
 * `codex-backend login [--device] [--no-browser] [--port N] [--force]`: signs in and writes
 * `$CODEX_HOME/auth.json`, the file the Codex CLI shares. A sign-in to a loopback issuer
 * (the emulator) never replaces a login from another issuer without `--force`.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Console, Effect, Option, Redacted } from "effect"
import type * as OAuth from "../OAuth.js"
import * as Layers from "./layers.js"

const device = Options.boolean("device").pipe(
  Options.withDescription("Sign in with a device code instead (for machines without a browser); needs no local port.")
)
const noBrowser = Options.boolean("no-browser").pipe(
  Options.withDescription("Print the sign-in URL without opening a browser.")
)
const port = Options.integer("port").pipe(
  Options.withDescription("The local callback port of the browser login (default 1455, the registered one)."),
  Options.optional
)

const apiKey = Options.boolean("api-key").pipe(
  Options.withDescription(
    "Also obtain a Platform API key (stored as OPENAI_API_KEY; the realtime WebSocket helpers need it). The browser login asks for one anyway; with --device it asks only when given this."
  )
)
const force = Options.boolean("force").pipe(
  Options.withDescription(
    "Replace a login from another issuer (e.g. your real one) with one from a loopback issuer (the emulator)."
  )
)

/**
 * Refuses, before anything is sent, to sign in to a loopback issuer (the emulator) over an
 * auth.json that holds a login from another issuer (read from its id token's `iss`): that
 * file may be the user's real login, shared with the Codex CLI.
 */
const guardRealLogin = Effect.gen(function*() {
  const [CodexConfig, TokenStore, Jwt] = yield* Layers.load(() =>
    Promise.all([import("../CodexConfig.js"), import("../TokenStore.js"), import("../internal/jwt.js")])
  )
  const config = yield* CodexConfig.CodexConfig
  if (!CodexConfig.isLoopbackHost(new URL(config.authIssuer).hostname)) return
  const stored = yield* Effect.flatMap(TokenStore.TokenStore, (store) => store.load)
  const issuer = stored === undefined ? undefined : Jwt.decodeClaims(Redacted.value(stored.idToken))?.["iss"]
  const trim = (url: string) => url.replace(/\/+$/, "")
  if (typeof issuer === "string" && trim(issuer) !== trim(config.authIssuer)) {
    return yield* Effect.fail(
      new Error(
        `${config.codexHome}/auth.json holds a login from ${issuer}; signing in to ${config.authIssuer} would replace it. ` +
          "Set CODEX_HOME to another directory (codex-backend emulator prints a fresh one), or pass --force."
      )
    )
  }
})

const signedIn = (result: OAuth.LoginResult) =>
  Console.log(
    `Signed in${result.email === undefined ? "" : ` as ${result.email}`}${
      result.planType === undefined ? "" : ` (${result.planType})`
    }.`
  )

/**
 * The `login` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "login",
  { apiKey, device, noBrowser, port, force },
  (options) =>
    Effect.gen(function*() {
      if (!options.force) yield* guardRealLogin
      const OAuth = yield* Layers.load(() => import("../OAuth.js"))
      const result = yield* options.device
        ? OAuth.loginDevice({
          requestApiKey: options.apiKey,
          onCode: (code) =>
            Console.log(`Open ${code.verificationUrl} and enter the code ${code.userCode} (it expires in 15 minutes).`)
        })
        : OAuth.login({
          ...Option.match(options.port, { onNone: () => ({}), onSome: (port) => ({ port }) }),
          openBrowser: !options.noBrowser,
          ...(options.apiKey ? { requestApiKey: true } : {}),
          onUrl: (url) =>
            Console.log(
              options.noBrowser
                ? `Open this URL in a browser to sign in:\n\n  ${url}\n`
                : `Open this URL to sign in (a browser should open):\n\n  ${url}\n`
            )
        })
      yield* signedIn(result)
      if (options.apiKey) {
        yield* Console.log(
          result.apiKey
            ? "An API key was stored (OPENAI_API_KEY)."
            : "No API key was issued: the account has no Platform organisation. Realtime WebSocket helpers will not work."
        )
      }
    }).pipe(Effect.provide(Layers.auth))
).pipe(
  Command.withDescription(
    "Sign in with your ChatGPT account (browser with PKCE, or --device) and save the tokens in $CODEX_HOME/auth.json (default ~/.codex), shared with the Codex CLI."
  )
)
