/**
 * `codex-backend status`: who is signed in, on which plan, until when, and where the
 * tokens live. Never prints a token.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import { Clock, Console, Data, Effect } from "effect"
import * as Layers from "./layers.js"
import * as Report from "./report.js"

/**
 * `status` found no credentials.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotSignedIn extends Data.TaggedError("NotSignedIn")<{ readonly location: string }> {
  override get message() {
    return `Not signed in: ${this.location} holds no ChatGPT login. Run \`codex-backend login\` (or \`login --device\`).`
  }
}

const inWords = (ms: number): string => {
  const minutes = Math.round(Math.abs(ms) / 60_000)
  const span = minutes < 120
    ? `${minutes} min`
    : minutes < 48 * 60
    ? `${Math.round(minutes / 60)} h`
    : `${Math.round(minutes / 1440)} days`
  return ms >= 0 ? `in ${span}` : `expired ${span} ago`
}

/**
 * The `status` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("status", {}, () =>
  Effect.gen(function*() {
    const [OAuth, TokenStore] = yield* Layers.load(() =>
      Promise.all([import("../OAuth.js"), import("../TokenStore.js")])
    )
    const store = yield* TokenStore.TokenStore
    const stored = yield* store.load
    if (stored === undefined) return yield* new NotSignedIn({ location: store.location })
    const id = OAuth.claims(stored.idToken)
    const access = OAuth.claims(stored.accessToken)
    const now = yield* Clock.currentTimeMillis
    const exp = access.exp
    const lines: Array<readonly [string, string]> = [
      ["account", stored.accountId ?? id.accountId ?? access.accountId ?? "unknown"],
      ["email", id.email ?? access.email ?? "unknown"],
      ["plan", access.planType ?? id.planType ?? "unknown"],
      [
        "access token",
        exp === undefined
          ? "expiry unknown (refreshed on a 401)"
          : `expires ${new Date(exp * 1000).toISOString()} (${inWords(exp * 1000 - now)}; refreshed automatically)`
      ],
      ["last refresh", stored.lastRefresh === undefined ? "unknown" : stored.lastRefresh.toISOString()],
      ["API key", stored.apiKey === undefined ? "none" : "stored (OPENAI_API_KEY)"],
      ["tokens in", store.location]
    ]
    yield* Console.log(Report.sanitize(lines.map(([key, value]) => `${`${key}:`.padEnd(14)}${value}`).join("\n")))
  }).pipe(Effect.provide(Layers.tokens))).pipe(
    Command.withDescription(
      "Show the signed-in account, email, plan, token expiry and where the tokens live (never a token)."
    )
  )
