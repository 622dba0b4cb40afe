/**
 * One service holding every endpoint group, in the shape of the Python SDK this project re-creates
 * (`client.responses.create(...)`), and the live layer that builds the whole stack.
 *
 * @since 0.1.0
 */
import type { ConfigError } from "effect"
import { Context, Effect, Layer } from "effect"
import * as Audio from "./Audio.js"
import * as CodexAccount from "./CodexAccount.js"
import * as CodexAuth from "./CodexAuth.js"
import * as CodexConfig from "./CodexConfig.js"
import * as CodexTransport from "./CodexTransport.js"
import * as Embeddings from "./Embeddings.js"
import * as Models from "./Models.js"
import * as RateLimits from "./RateLimits.js"
import * as Realtime from "./Realtime.js"
import * as Responses from "./Responses.js"
import * as TokenStore from "./TokenStore.js"

/**
 * Every endpoint group, in the shape of the Python SDK this project re-creates: `client.responses.create(...)`,
 * `client.models.list()`, `client.realtime.calls.create(...)`, `client.embeddings.create(...)`,
 * `client.audio.transcriptions.create(...)`, `client.codex.usage()`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly responses: Responses.Service
  readonly models: Models.Service
  readonly realtime: Realtime.Service
  readonly embeddings: Embeddings.Service
  readonly audio: Audio.Service
  /** Usage, cloud tasks, environments, memories, custom instructions. */
  readonly codex: CodexAccount.Service
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
export const make: Effect.Effect<
  Service,
  never,
  | Responses.Responses
  | Models.Models
  | Realtime.Realtime
  | Embeddings.Embeddings
  | Audio.Audio
  | CodexAccount.CodexAccount
> = Effect.map(
  Effect.all({
    responses: Responses.Responses,
    models: Models.Models,
    realtime: Realtime.Realtime,
    embeddings: Embeddings.Embeddings,
    audio: Audio.Audio,
    codex: CodexAccount.CodexAccount
  }),
  (groups) => CodexClient.of(groups)
)

/**
 * The services every `CodexClient` layer provides: the aggregate and each group's own tag.
 *
 * @since 0.1.0
 * @category models
 */
export type Services =
  | CodexClient
  | Responses.Responses
  | Models.Models
  | Realtime.Realtime
  | Embeddings.Embeddings
  | Audio.Audio
  | CodexAccount.CodexAccount
  | RateLimits.RateLimits

/** The live groups; `Responses` is built beside `Models` so replies keep the catalog cache honest. */
// Models reads the account's usage for a preflight made before any reply carried limits.
const groups = Layer.mergeAll(Responses.layer, Realtime.layer, Embeddings.layer, Audio.layer).pipe(
  Layer.provideMerge(Models.layer),
  Layer.provideMerge(CodexAccount.layer),
  Layer.provideMerge(RateLimits.layer)
)

/**
 * Every endpoint service and the `CodexClient` aggregate, over a configuration,
 * credentials and an HTTP client you provide.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerServices: Layer.Layer<
  Services,
  never,
  CodexConfig.CodexConfig | CodexAuth.CodexAuth | CodexTransport.CodexTransport | TokenStore.TokenStore
> = Layer.effect(CodexClient, make).pipe(Layer.provideMerge(groups))

/**
 * The whole live stack from explicit options: configuration (`options` over the
 * environment), credentials from `$CODEX_HOME/auth.json` kept fresh by `CodexAuth.layer`
 * (shared safely with the Codex CLI), and undici as the HTTP client:
 * `CodexTransport.layerUndici` for every request, the endpoints' and the token refresh's
 * alike (it honours `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (
  options: CodexConfig.Options
): Layer.Layer<
  Services | CodexConfig.CodexConfig | CodexAuth.CodexAuth | TokenStore.TokenStore,
  ConfigError.ConfigError
> =>
  layerServices.pipe(
    Layer.provideMerge(CodexAuth.layer()),
    Layer.provideMerge(TokenStore.layerFile()),
    Layer.provideMerge(Layer.merge(CodexConfig.layerFromEnv(options), CodexTransport.layerUndici))
  )

/**
 * The whole live stack: configuration from the environment (`CODEX_HOME`,
 * `CODEX_BASE_URL`, ...), credentials from `$CODEX_HOME/auth.json` (the Codex CLI's file),
 * and undici as the HTTP client.
 *
 * @example
 * ```ts
 * import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
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
  Services | CodexConfig.CodexConfig | CodexAuth.CodexAuth | TokenStore.TokenStore,
  ConfigError.ConfigError
> = layerWith({})

/**
 * A whole fake client from partial groups, for testing code that depends on
 * `CodexClient` (or on any group's tag) with no server at all. A method left out dies
 * with a message naming it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { CodexClient } from "codex-backend-sdk"
 *
 * const fake = CodexClient.layerTest({
 *   models: { list: () => Effect.succeed({ object: "list", data: [] }) }
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTest = (impl: {
  readonly responses?: Partial<Responses.Service>
  readonly models?: Partial<Models.Service>
  readonly realtime?: Realtime.TestImplementation
  readonly embeddings?: Embeddings.TestImplementation
  readonly audio?: Audio.TestImplementation
  readonly codex?: CodexAccount.TestImplementation
}): Layer.Layer<Services> =>
  Layer.effect(CodexClient, make).pipe(
    Layer.provideMerge(Layer.mergeAll(
      Responses.layerTest(impl.responses ?? {}),
      Models.layerTest(impl.models ?? {}),
      Realtime.layerTest(impl.realtime ?? {}),
      Embeddings.layerTest(impl.embeddings ?? {}),
      Audio.layerTest(impl.audio ?? {}),
      CodexAccount.layerTest(impl.codex ?? {}),
      RateLimits.layer
    ))
  )
