/**
 * `codex-backend login [--device] [--no-browser] [--port N]`: signs in and writes
 * `$CODEX_HOME/auth.json`, the file the Codex CLI shares.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Console, Effect, Option } from "effect"
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
  { device, noBrowser, port },
  (options) =>
    Effect.gen(function*() {
      const OAuth = yield* Layers.load(() => import("../OAuth.js"))
      const result = yield* options.device
        ? OAuth.loginDevice({
          onCode: (code) =>
            Console.log(`Open ${code.verificationUrl} and enter the code ${code.userCode} (it expires in 15 minutes).`)
        })
        : OAuth.login({
          ...Option.match(options.port, { onNone: () => ({}), onSome: (port) => ({ port }) }),
          openBrowser: !options.noBrowser,
          onUrl: (url) =>
            Console.log(
              options.noBrowser
                ? `Open this URL in a browser to sign in:\n\n  ${url}\n`
                : `Open this URL to sign in (a browser should open):\n\n  ${url}\n`
            )
        })
      yield* signedIn(result)
    }).pipe(Effect.provide(Layers.auth))
).pipe(
  Command.withDescription(
    "Sign in with your ChatGPT account (browser with PKCE, or --device) and save the tokens in $CODEX_HOME/auth.json (default ~/.codex), shared with the Codex CLI."
  )
)
