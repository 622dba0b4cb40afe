/**
 * The credentials every backend call is signed with, their refresh, and their recovery
 * after a 401.
 *
 * The service interface is what the HTTP layer depends on; layers differ in where the
 * tokens come from:
 *
 * - {@link layer} keeps the tokens of a `TokenStore` (by default the Codex CLI's
 *   `auth.json`) fresh: it refreshes proactively when the access token expires within
 *   `refreshMargin` (5 min), and after a 401 first adopts tokens another process wrote,
 *   then refreshes once. Any number of concurrent callers cause one refresh.
 * - {@link layerTokens} signs with tokens you pass in (a host app that manages them).
 * - {@link layerTest} for tests.
 *
 * @since 0.1.0
 */
import { Clock, Context, Duration, Effect, Layer, Redacted, Ref } from "effect"
import { CodexConfig, withCurrentCallPolicy } from "./CodexConfig.js"
import type { AuthError } from "./CodexError.js"
import { AuthExpired } from "./CodexError.js"
import { CodexTransport } from "./CodexTransport.js"
import * as Jwt from "./internal/jwt.js"
import { retrySchedule, withRetries } from "./internal/retry.js"
import { registerSecret, scrub } from "./internal/scrub.js"
import * as Token from "./internal/tokenEndpoint.js"
import type { StoredTokens, TokenUpdate } from "./TokenStore.js"
import { TokenStore } from "./TokenStore.js"

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
  readonly credentials: Effect.Effect<Credentials, AuthError>
  /**
   * Called once after the backend answered 401 to `rejected`: returns different
   * credentials to retry with (adopted from the store, or refreshed), or fails.
   */
  readonly recover: (rejected: Credentials) => Effect.Effect<Credentials, AuthError>
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
  const accessToken = Redacted.isRedacted(options.accessToken)
    ? options.accessToken
    : Redacted.make(options.accessToken)
  const idToken = options.idToken === undefined || Redacted.isRedacted(options.idToken)
    ? options.idToken
    : Redacted.make(options.idToken)
  // Live tokens are scrubbed from any server text kept in an error or a log.
  registerSecret(Redacted.value(accessToken), accessToken)
  if (idToken !== undefined) registerSecret(Redacted.value(idToken), idToken)
  const access = Jwt.decodeClaims(Redacted.value(accessToken))
  const id = idToken === undefined ? undefined : Jwt.decodeClaims(Redacted.value(idToken))
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

const missing = (location: string) =>
  new AuthExpired({
    reason: "missing_credentials",
    detail: location === "memory"
      ? "The token store is empty."
      : `${location} holds no ChatGPT login. Sign in (OAuth.login / OAuth.loginDevice, or \`codex login\`); if the Codex CLI keeps credentials in the OS keyring (cli_auth_credentials_store), there is no file to read.`
  })

/**
 * Options of the refreshing layer.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Refresh when the access token expires within this (default 5 minutes). */
  readonly refreshMargin?: Duration.DurationInput
  /** Without a readable `exp`, refresh when `last_refresh` is older than this (default 8 days, the CLI's rule). */
  readonly maxTokenAge?: Duration.DurationInput
  /**
   * How long one refresh request may wait for the token endpoint (default 30 s). A refresh
   * that times out is never sent again with the same refresh token: the issuer may have
   * rotated it, and a reused refresh token revokes the login.
   */
  readonly refreshTimeout?: Duration.DurationInput
}

/**
 * What the tokens' claims say, decoded once per token set (every request asks for the
 * credentials; decoding two JWTs each time would be wasted work).
 */
const derived = new WeakMap<StoredTokens, { readonly credentials: Credentials; readonly exp: number | undefined }>()

const derive = (tokens: StoredTokens) => {
  let entry = derived.get(tokens)
  if (entry === undefined) {
    entry = {
      credentials: makeCredentials({
        accessToken: tokens.accessToken,
        idToken: tokens.idToken,
        accountId: tokens.accountId
      }),
      exp: Jwt.expiresAt(Jwt.decodeClaims(Redacted.value(tokens.accessToken)))
    }
    derived.set(tokens, entry)
  }
  return entry
}

const credentialsOf = (tokens: StoredTokens): Credentials => derive(tokens).credentials

const same = (a: Redacted.Redacted<string>, b: Redacted.Redacted<string>) => Redacted.value(a) === Redacted.value(b)

/**
 * Builds the refreshing service over a `TokenStore`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<Service, never, TokenStore | CodexConfig | CodexTransport> =>
  Effect.gen(function*() {
    const store = yield* TokenStore
    const config = yield* CodexConfig
    const transport = yield* CodexTransport
    const margin = Duration.toMillis(options.refreshMargin ?? Duration.minutes(5))
    const maxAge = Duration.toMillis(options.maxTokenAge ?? Duration.days(8))
    const current = yield* Ref.make<StoredTokens | undefined>(undefined)
    /** A permanent refresh failure, remembered for the refresh token that caused it. */
    const failed = yield* Ref.make<{ readonly refreshToken: string; readonly error: AuthExpired } | undefined>(
      undefined
    )
    const inProcess = yield* Effect.makeSemaphore(1)

    const adopt = (tokens: StoredTokens) => Effect.as(Ref.set(current, tokens), tokens)

    const load = Effect.flatMap(
      store.load,
      (tokens) => (tokens === undefined ? Effect.fail(missing(store.location)) : adopt(tokens))
    )

    const isStale = (tokens: StoredTokens, now: number): boolean => {
      const exp = derive(tokens).exp
      if (exp !== undefined) return exp * 1000 - now < margin
      return tokens.lastRefresh !== undefined && now - tokens.lastRefresh.getTime() > maxAge
    }

    const isExpired = (tokens: StoredTokens, now: number): boolean => {
      const exp = derive(tokens).exp
      return exp !== undefined && exp * 1000 <= now
    }

    const refreshTimeout = options.refreshTimeout ?? Token.defaultTimeout

    type Attempt =
      | { readonly _tag: "Done"; readonly tokens: StoredTokens }
      | { readonly _tag: "Failed"; readonly error: AuthError }
    const done = (tokens: StoredTokens): Attempt => ({ _tag: "Done", tokens })

    /**
     * One refresh request, under the store's lock: re-reads the stored tokens, adopts them
     * if another process refreshed, else spends the refresh token once. A request that got
     * no answer marks the token in the store (under the same lock) so that no process sends
     * it again.
     */
    const spendOnce = (seen: StoredTokens): Effect.Effect<StoredTokens, AuthError> =>
      Effect.flatMap(
        store.modify((stored) =>
          Effect.gen(function*() {
            if (stored === undefined) return yield* missing(store.location)
            if (credentialsOf(stored).accountId !== credentialsOf(seen).accountId) {
              return yield* new AuthExpired({ reason: "account_changed" })
            }
            // Another process refreshed while we waited: adopt its tokens, spend nothing.
            if (!same(stored.refreshToken, seen.refreshToken) || !same(stored.accessToken, seen.accessToken)) {
              return [done(stored), undefined] as const
            }
            if (stored.unansweredRefresh === true) {
              return yield* new AuthExpired({
                reason: "refresh_rejected",
                detail:
                  "An earlier refresh with this refresh token got no answer, so the issuer may already have used it; it is not sent again (a reused refresh token revokes the login)."
              })
            }
            const outcome = yield* Effect.either(
              Token.refresh(config, stored.refreshToken, refreshTimeout).pipe(
                Effect.provideService(CodexTransport, transport)
              )
            )
            const now = new Date(yield* Clock.currentTimeMillis)
            if (outcome._tag === "Left") {
              const error = outcome.left
              if (error._tag === "RefreshFailed" && Token.isUnanswered(error)) {
                const mark: TokenUpdate = { unansweredRefresh: true, lastRefresh: stored.lastRefresh ?? now }
                const unanswered: Attempt = { _tag: "Failed", error }
                return [unanswered, mark] as const
              }
              if (error._tag === "AuthExpired" && error.reason === "refresh_token_reused") {
                // Someone without the lock (the Codex CLI) may have rotated it: adopt theirs.
                const again = yield* store.load
                if (
                  again !== undefined && !same(again.refreshToken, stored.refreshToken) &&
                  credentialsOf(again).accountId === credentialsOf(stored).accountId
                ) return [done(again), undefined] as const
              }
              return yield* error
            }
            const issued = outcome.right
            const next: StoredTokens = {
              idToken: issued.idToken ?? stored.idToken,
              accessToken: issued.accessToken ?? stored.accessToken,
              refreshToken: issued.refreshToken ?? stored.refreshToken,
              accountId: stored.accountId ?? credentialsOf(stored).accountId,
              lastRefresh: now,
              apiKey: stored.apiKey
            }
            const update: TokenUpdate = {
              idToken: issued.idToken,
              accessToken: issued.accessToken,
              refreshToken: issued.refreshToken,
              accountId: stored.accountId === undefined ? next.accountId : undefined,
              lastRefresh: now
            }
            return [done(next), update] as const
          })
        ),
        (attempt) => (attempt._tag === "Done" ? Effect.succeed(attempt.tokens) : Effect.fail(attempt.error))
      ).pipe(
        // Our lock was broken while we refreshed, and what we got was not written: if the
        // file was rotated meanwhile, its newer tokens are the live ones; adopt them.
        Effect.catchIf((error) => error._tag === "TokenStoreError" && error.reason === "lock_lost", (error) =>
          Effect.flatMap(store.load, (again) =>
            again !== undefined && !same(again.refreshToken, seen.refreshToken) &&
              credentialsOf(again).accountId === credentialsOf(seen).accountId
              ? Effect.succeed(again)
              : Effect.fail(error)))
      )

    /**
     * Spends the refresh token of `seen`: one request per hold of the lock; a transient
     * failure is retried outside the lock, each attempt re-reading auth.json first, on the
     * retry schedule of the call that needed the refresh.
     */
    const spend = (seen: StoredTokens) =>
      Effect.flatMap(withCurrentCallPolicy(config), (policy) =>
        withRetries(
          () => retrySchedule(policy),
          "POST /oauth/token",
          spendOnce(seen),
          (error) => (error._tag === "RefreshFailed" ? error : undefined)
        ))

    /**
     * Refreshes the tokens `seen` were read as. Single-flight: callers queue on one permit
     * and, once in, find the tokens already replaced by the caller before them.
     */
    const refresh = (seen: StoredTokens): Effect.Effect<StoredTokens, AuthError> =>
      inProcess.withPermits(1)(
        Effect.gen(function*() {
          const now = yield* Ref.get(current)
          if (now !== undefined && !same(now.accessToken, seen.accessToken)) return now
          const memo = yield* Ref.get(failed)
          if (memo !== undefined && memo.refreshToken === Redacted.value(seen.refreshToken)) {
            // Fail fast until auth.json changes (a new login, another process's rotation).
            const stored = yield* store.load
            if (stored === undefined || same(stored.refreshToken, seen.refreshToken)) return yield* memo.error
            return yield* adopt(stored)
          }
          return yield* spend(seen).pipe(
            Effect.tap(adopt),
            Effect.tapError((error) =>
              error._tag === "AuthExpired"
                ? Ref.set(failed, { refreshToken: Redacted.value(seen.refreshToken), error })
                : Effect.void
            )
          )
        })
      )

    const credentials: Effect.Effect<Credentials, AuthError> = Effect.gen(function*() {
      const tokens = (yield* Ref.get(current)) ?? (yield* load)
      const now = yield* Clock.currentTimeMillis
      if (!isStale(tokens, now)) return credentialsOf(tokens)
      return yield* refresh(tokens).pipe(
        Effect.map(credentialsOf),
        // A failed proactive refresh is logged and the old token still tried, unless it
        // has already expired.
        Effect.catchAll((error) =>
          isExpired(tokens, now)
            ? Effect.fail(error)
            : Effect.as(
              Effect.logWarning(`Proactive token refresh failed; using the current token. ${scrub(error.message)}`),
              credentialsOf(tokens)
            )
        )
      )
    })

    const recover = (rejected: Credentials): Effect.Effect<Credentials, AuthError> =>
      Effect.gen(function*() {
        const inMemory = yield* Ref.get(current)
        if (inMemory !== undefined && !same(inMemory.accessToken, rejected.accessToken)) return credentialsOf(inMemory)
        // 1. Another process may have written newer tokens for the same account.
        const stored = yield* store.load
        if (stored === undefined) return yield* missing(store.location)
        if (!same(stored.accessToken, rejected.accessToken) && credentialsOf(stored).accountId === rejected.accountId) {
          return credentialsOf(yield* adopt(stored))
        }
        // 2. Refresh once.
        return credentialsOf(yield* refresh(inMemory ?? stored))
      })

    return CodexAuth.of({ credentials, recover })
  })

/**
 * The refreshing service over a `TokenStore` (see {@link make}).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<CodexAuth, never, TokenStore | CodexConfig | CodexTransport> => Layer.effect(CodexAuth, make(options))

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
