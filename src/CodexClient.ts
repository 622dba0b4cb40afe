/**
 * One service holding every endpoint group, in the seed SDK's shape
 * (`client.responses.create(...)`), and the live layer that builds the whole stack.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Undici from "./internal/undici.js"
import type { ConfigError } from "effect"
import { Context, Effect, Layer } from "effect"
import * as CodexAuth from "./CodexAuth.js"
import * as CodexConfig from "./CodexConfig.js"
import * as Responses from "./Responses.js"
import * as TokenStore from "./TokenStore.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly responses: Responses.Service
}

/**
 * @since 0.1.0
 * @category tags
 */
export class CodexClient extends Context.Tag("codex-backend-sdk/CodexClient")<CodexClient, Service>() {}

/**
 * Gathers the endpoint services.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Service, never, Responses.Responses> = Effect.map(
  Responses.Responses,
  (responses) => CodexClient.of({ responses })
)

/**
 * Every endpoint service and the `CodexClient` aggregate, over a configuration,
 * credentials and an HTTP client you provide.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerServices: Layer.Layer<
  CodexClient | Responses.Responses,
  never,
  CodexConfig.CodexConfig | CodexAuth.CodexAuth | HttpClient.HttpClient
> = Layer.effect(CodexClient, make).pipe(Layer.provideMerge(Responses.layer))

/**
 * The whole live stack from explicit options: configuration (`options` over the
 * environment), credentials from `$CODEX_HOME/auth.json` kept fresh by `CodexAuth.layer`
 * (shared safely with the Codex CLI), and undici as the HTTP client.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (
  options: CodexConfig.Options
): Layer.Layer<
  CodexClient | Responses.Responses | CodexConfig.CodexConfig | CodexAuth.CodexAuth | TokenStore.TokenStore,
  ConfigError.ConfigError
> =>
  layerServices.pipe(
    Layer.provideMerge(CodexAuth.layer()),
    Layer.provideMerge(TokenStore.layerFile()),
    Layer.provideMerge(Layer.merge(CodexConfig.layerFromEnv(options), Undici.layer))
  )

/**
 * The whole live stack: configuration from the environment (`CODEX_HOME`,
 * `CODEX_BASE_URL`, ...), credentials from `$CODEX_HOME/auth.json` (the Codex CLI's file),
 * and undici as the HTTP client.
 *
 * @example
 * ```ts
 * import { NodeRuntime } from "@effect/platform-node"
 * import { Console, Effect } from "effect"
 * import { CodexClient } from "codex-backend-sdk"
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* CodexClient.CodexClient
 *   const response = yield* client.responses.create({ input: "Explain quicksort in one paragraph." })
 *   yield* Console.log(response.output_text)
 * })
 *
 * program.pipe(Effect.provide(CodexClient.layer), NodeRuntime.runMain)
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<
  CodexClient | Responses.Responses | CodexConfig.CodexConfig | CodexAuth.CodexAuth | TokenStore.TokenStore,
  ConfigError.ConfigError
> = layerWith({})
