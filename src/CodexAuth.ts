/**
 * The credentials every backend call is signed with, and their recovery after a 401.
 *
 * The service interface is what the HTTP layer depends on; layers differ in where the
 * tokens come from:
 *
 * - {@link layerAuthFile} reads `$CODEX_HOME/auth.json`, the file the Codex CLI writes,
 *   and adopts tokens another process wrote when the backend answers 401.
 * - {@link layerTokens} signs with tokens you pass in (a host app that manages them).
 * - {@link layerTest} for tests.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Redacted, Ref } from "effect"
import * as NodeFs from "node:fs/promises"
import * as NodePath from "node:path"
import { AuthExpired } from "./CodexError.js"
import { CodexConfig } from "./CodexConfig.js"
import * as Jwt from "./internal/jwt.js"

/**
 * What a request needs to authenticate. The token is `Redacted`: it prints as
 * `<redacted>` in logs, errors and `toString`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Credentials {
  readonly accessToken: Redacted.Redacted<string>
  /** The `ChatGPT-Account-ID` header; `undefined` when neither the file nor a claim has it. */
  readonly accountId: string | undefined
  /** Sends `X-OpenAI-Fedramp: true` when set. */
  readonly fedramp: boolean
  /** `chatgpt_plan_type` from the access token, verbatim. */
  readonly planType: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The credentials to use now (refreshed first when a refreshing layer finds them stale). */
  readonly credentials: Effect.Effect<Credentials, AuthExpired>
  /**
   * Called once after the backend answered 401 to `rejected`: returns different
   * credentials to retry with (adopted from disk, or refreshed), or fails.
   */
  readonly recover: (rejected: Credentials) => Effect.Effect<Credentials, AuthExpired>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class CodexAuth extends Context.Tag("codex-backend-sdk/CodexAuth")<CodexAuth, Service>() {}

/**
 * Builds credentials from an access token (and, optionally, an id token and a stored
 * account id), reading the account id, plan and FedRAMP flag from the JWT claims.
 * The account id comes from the first source that has it: the stored one, the id token,
 * the access token.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeCredentials = (options: {
  readonly accessToken: string | Redacted.Redacted<string>
  readonly idToken?: string | Redacted.Redacted<string> | undefined
  readonly accountId?: string | null | undefined
}): Credentials => {
  const accessToken = Redacted.isRedacted(options.accessToken) ? options.accessToken : Redacted.make(options.accessToken)
  const access = Jwt.decodeClaims(Redacted.value(accessToken))
  const id = options.idToken === undefined
    ? undefined
    : Jwt.decodeClaims(Redacted.isRedacted(options.idToken) ? Redacted.value(options.idToken) : options.idToken)
  return {
    accessToken,
    accountId: options.accountId ?? Jwt.accountId(id) ?? Jwt.accountId(access),
    fedramp: Jwt.isFedramp(id) || Jwt.isFedramp(access),
    planType: Jwt.planType(access) ?? Jwt.planType(id)
  }
}

/**
 * Signs every request with the given tokens. A 401 cannot be recovered from here: it
 * fails with `AuthExpired`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTokens = (options: {
  readonly accessToken: string | Redacted.Redacted<string>
  readonly idToken?: string | Redacted.Redacted<string> | undefined
  readonly accountId?: string | undefined
}): Layer.Layer<CodexAuth> =>
  Layer.sync(CodexAuth, () => {
    const credentials = makeCredentials(options)
    return CodexAuth.of({
      credentials: Effect.succeed(credentials),
      recover: () =>
        Effect.fail(new AuthExpired({ reason: "unauthorized", detail: "The supplied access token was rejected." }))
    })
  })

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

const str = (u: unknown): string | undefined => (typeof u === "string" && u !== "" ? u : undefined)

const missing = (detail: string) => new AuthExpired({ reason: "missing_credentials", detail })

/**
 * Reads ChatGPT credentials from an `auth.json` file (the Codex CLI's format).
 *
 * @since 0.1.0
 * @category constructors
 */
export const readAuthFile = (path: string): Effect.Effect<Credentials, AuthExpired> =>
  Effect.gen(function*() {
    const text = yield* Effect.tryPromise({
      try: () => NodeFs.readFile(path, "utf8"),
      catch: (cause) =>
        missing(
          (cause as NodeJS.ErrnoException).code === "ENOENT"
            ? `${path} does not exist. Run \`codex login\` (or this SDK's login); if the Codex CLI keeps credentials in the OS keyring (cli_auth_credentials_store), there is no file to read.`
            : `${path} could not be read (${(cause as NodeJS.ErrnoException).code ?? "error"}).`
        )
    })
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      return yield* missing(`${path} is not valid JSON.`)
    }
    const tokens = isRecord(json) ? json["tokens"] : undefined
    const accessToken = isRecord(tokens) ? str(tokens["access_token"]) : undefined
    if (!isRecord(tokens) || accessToken === undefined) {
      return yield* missing(`${path} holds no ChatGPT tokens (an API-key login cannot call chatgpt.com).`)
    }
    return makeCredentials({
      accessToken,
      idToken: str(tokens["id_token"]),
      accountId: str(tokens["account_id"])
    })
  })

/**
 * Reads `$CODEX_HOME/auth.json` on first use and keeps the credentials in memory. After a
 * 401 it reads the file again and adopts the tokens if another process (the Codex CLI, a
 * second SDK process) rotated them; otherwise it fails with `AuthExpired`.
 *
 * Proactive refresh of expiring tokens is not part of this layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerAuthFile: Layer.Layer<CodexAuth, never, CodexConfig> = Layer.effect(
  CodexAuth,
  Effect.gen(function*() {
    const config = yield* CodexConfig
    const path = NodePath.join(config.codexHome, "auth.json")
    const cache = yield* Ref.make<Credentials | undefined>(undefined)
    const load = Effect.tap(readAuthFile(path), (credentials) => Ref.set(cache, credentials))
    return CodexAuth.of({
      credentials: Effect.flatMap(Ref.get(cache), (cached) => (cached === undefined ? load : Effect.succeed(cached))),
      recover: (rejected) =>
        Effect.flatMap(load, (fresh) =>
          Redacted.value(fresh.accessToken) !== Redacted.value(rejected.accessToken) &&
            (rejected.accountId === undefined || fresh.accountId === rejected.accountId)
            ? Effect.succeed(fresh)
            : Effect.fail(
              new AuthExpired({ reason: "unauthorized", detail: `${path} holds no newer token than the one rejected.` })
            ))
    })
  })
)

/**
 * A test double: fixed credentials (a fake token by default), recovery as given.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTest = (impl: Partial<Service> = {}): Layer.Layer<CodexAuth> =>
  Layer.succeed(
    CodexAuth,
    CodexAuth.of({
      credentials: Effect.succeed(makeCredentials({ accessToken: "test-access-token", accountId: "test-account" })),
      recover: () => Effect.fail(new AuthExpired({ reason: "unauthorized" })),
      ...impl
    })
  )
