/**
 * The catalog's ETag hook (protocol §9): a `/responses` reply (or a WebSocket 101) carries
 * `x-models-etag`, and the live `Models` service it belongs to learns whether its cached
 * catalog is stale. Kept out of the public `Models.Service`: the live service registers
 * its hook here, and test doubles have none.
 *
 * @internal
 */
import { Effect } from "effect"

const hooks = new WeakMap<object, (etag: string) => Effect.Effect<void>>()

/** Registers the hook of a live `Models` service. @internal */
export const register = <S extends object>(service: S, noteEtag: (etag: string) => Effect.Effect<void>): S => {
  hooks.set(service, noteEtag)
  return service
}

/** Tells `service` (when it is a live `Models` service) the ETag a reply carried. @internal */
export const note = (service: object, etag: string): Effect.Effect<void> => hooks.get(service)?.(etag) ?? Effect.void
