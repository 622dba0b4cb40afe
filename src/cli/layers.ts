/**
 * What the commands run on: the configuration of the environment (`CODEX_HOME`,
 * `CODEX_BASE_URL`, `CODEX_AUTH_ISSUER`...), the credentials in `$CODEX_HOME/auth.json`,
 * and undici.
 *
 * The SDK's modules are loaded when a command runs, not when the command line is parsed:
 * `--help`, `--version` and usage errors pay for `effect` and `@effect/cli` only.
 *
 * @since 0.1.0
 */
import type { ConfigError } from "effect"
import { Effect, Layer } from "effect"
import type * as CodexAuth from "../CodexAuth.js"
import type * as CodexClient from "../CodexClient.js"
import type * as CodexConfig from "../CodexConfig.js"
import type * as CodexTransport from "../CodexTransport.js"
import type * as TokenStore from "../TokenStore.js"

/**
 * Loads an SDK module when a command first needs it.
 *
 * @since 0.1.0
 * @category loading
 */
export const load = <A>(module: () => Promise<A>): Effect.Effect<A> => Effect.promise(module)

const modules = load(() =>
  Promise.all([import("../CodexConfig.js"), import("../TokenStore.js"), import("../CodexTransport.js")])
)

/**
 * Configuration, the token store and the HTTP transport: enough to sign in and out.
 *
 * @since 0.1.0
 * @category layers
 */
export const auth: Layer.Layer<
  TokenStore.TokenStore | CodexConfig.CodexConfig | CodexTransport.CodexTransport,
  ConfigError.ConfigError
> = Layer.unwrapEffect(
  Effect.map(
    modules,
    ([CodexConfig, TokenStore, CodexTransport]) =>
      TokenStore.layerFile().pipe(
        Layer.provideMerge(Layer.merge(CodexConfig.layerFromEnv(), CodexTransport.layerUndici))
      )
  )
)

/**
 * Configuration and the token store, without the network.
 *
 * @since 0.1.0
 * @category layers
 */
export const tokens: Layer.Layer<TokenStore.TokenStore | CodexConfig.CodexConfig, ConfigError.ConfigError> = Layer
  .unwrapEffect(
    Effect.map(
      modules,
      ([CodexConfig, TokenStore]) => TokenStore.layerFile().pipe(Layer.provideMerge(CodexConfig.layerFromEnv()))
    )
  )

/**
 * The whole live stack (`CodexClient.layer`).
 *
 * @since 0.1.0
 * @category layers
 */
export const client: Layer.Layer<
  CodexClient.Services | CodexConfig.CodexConfig | CodexAuth.CodexAuth | TokenStore.TokenStore,
  ConfigError.ConfigError
> = Layer.unwrapEffect(Effect.map(load(() => import("../CodexClient.js")), (CodexClient) => CodexClient.layer))
