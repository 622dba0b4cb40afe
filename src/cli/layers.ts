/**
 * What the commands run on: the configuration of the environment (`CODEX_HOME`,
 * `CODEX_BASE_URL`, `CODEX_AUTH_ISSUER`...), the credentials in `$CODEX_HOME/auth.json`,
 * and undici (loaded when a command first needs the network, not for `--help`).
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type { ConfigError } from "effect"
import { Layer } from "effect"
import * as CodexConfig from "../CodexConfig.js"
import * as TokenStore from "../TokenStore.js"
import * as Undici from "../internal/undici.js"

/**
 * Configuration, the token store and an HTTP client: enough to sign in and out.
 *
 * @since 0.1.0
 * @category layers
 */
export const auth: Layer.Layer<
  TokenStore.TokenStore | CodexConfig.CodexConfig | HttpClient.HttpClient,
  ConfigError.ConfigError
> = TokenStore.layerFile().pipe(Layer.provideMerge(Layer.merge(CodexConfig.layerFromEnv(), Undici.layer)))

/**
 * Configuration and the token store, without the network.
 *
 * @since 0.1.0
 * @category layers
 */
export const tokens: Layer.Layer<TokenStore.TokenStore | CodexConfig.CodexConfig, ConfigError.ConfigError> =
  TokenStore.layerFile().pipe(Layer.provideMerge(CodexConfig.layerFromEnv()))
