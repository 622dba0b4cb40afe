import { Effect, Redacted } from "effect"
import * as NodeFs from "node:fs/promises"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { TokenStore } from "../src/index.js"

/** A temporary CODEX_HOME, removed when the scope closes. */
export const tempHome = Effect.acquireRelease(
  Effect.promise(() => NodeFs.mkdtemp(NodePath.join(NodeOs.tmpdir(), "codex-home-"))),
  (dir) => Effect.promise(() => NodeFs.rm(dir, { recursive: true, force: true }))
)

/** Writes a token set into the store, as a login would. */
export const seed = (
  tokens: { readonly idToken: string; readonly accessToken: string; readonly refreshToken: string }
) =>
  Effect.flatMap(TokenStore.TokenStore, (store) =>
    store.modify(() =>
      Effect.succeed(
        [undefined, {
          idToken: Redacted.make(tokens.idToken),
          accessToken: Redacted.make(tokens.accessToken),
          refreshToken: Redacted.make(tokens.refreshToken),
          apiKey: null,
          lastRefresh: new Date()
        }] as const
      )
    ))
