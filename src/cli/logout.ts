/**
 * `codex-backend logout [--keep-token]`: revokes the refresh token, removes auth.json.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Console, Effect } from "effect"
import * as Layers from "./layers.js"

const keepToken = Options.boolean("keep-token").pipe(
  Options.withDescription("Only remove auth.json; do not revoke the refresh token at the issuer.")
)

/**
 * The `logout` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "logout",
  { keepToken },
  (options) =>
    Layers.load(() => import("../OAuth.js")).pipe(
      Effect.flatMap((OAuth) => OAuth.logout({ revoke: !options.keepToken })),
      Effect.zipRight(Console.log("Signed out; auth.json removed (this also signs out the Codex CLI).")),
      Effect.provide(Layers.auth)
    )
).pipe(
  Command.withDescription(
    "Sign out: revoke the refresh token and remove $CODEX_HOME/auth.json (which also signs out the Codex CLI)."
  )
)
