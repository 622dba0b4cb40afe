/**
 * `NodeHttpClient.layerUndici`, loaded when the layer is built rather than when this
 * package is imported: undici costs about a fifth of `import("effect")` to load, and a
 * program that only uses mock layers, or brings its own `HttpClient`, never needs it.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import { Effect, Layer } from "effect"

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = Layer.unwrapEffect(
  Effect.promise(() => import("@effect/platform-node/NodeHttpClient")).pipe(
    Effect.map((NodeHttpClient) => NodeHttpClient.layerUndici)
  )
)
