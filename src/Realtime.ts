/**
 * Realtime (protocol §10): WebRTC call creation on the Codex backend
 * (`POST {codex}/realtime/calls`), and what a WebSocket client needs to open
 * `wss://api.openai.com/v1/realtime` with the Platform API key stored at login.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Realtime } from "codex-backend-sdk"
 *
 * const answer = (offer: string) =>
 *   Effect.flatMap(Realtime.Realtime, (realtime) =>
 *     realtime.calls.create({ sdp: offer, session: { type: "realtime", model: "gpt-realtime-1.5" } }))
 * ```
 *
 * @since 0.1.0
 */
import { Config, Context, Effect, Layer, Option, Redacted } from "effect"
import type { CodexAuth } from "./CodexAuth.js"
import type { CodexConfig } from "./CodexConfig.js"
import type { CodexError } from "./CodexError.js"
import { ApiKeyMissing, DecodeError, InvalidParameter, RealtimeUnavailable } from "./CodexError.js"
import type { CodexTransport } from "./CodexTransport.js"
import { replyMeta } from "./internal/errors.js"
import { makeBackend, readBody, withDeadline } from "./internal/http.js"
import { scrub } from "./internal/scrub.js"
import { joinUrl } from "./internal/wire.js"
import { TokenStore } from "./TokenStore.js"

/**
 * The parameters of `calls.create`: the SDP offer and, optionally, the session
 * configuration (then sent as JSON with the backend's query, §10.1).
 *
 * @since 0.1.0
 * @category models
 */
export interface CallCreateParams {
  readonly sdp: string
  /** E.g. `{ type: "realtime", model: "gpt-realtime-1.5" }`. A client-side `id` is removed. */
  readonly session?: Readonly<Record<string, unknown>>
}

/**
 * A created call: the SDP answer and the call id from `Location`.
 *
 * @since 0.1.0
 * @category models
 */
export interface RealtimeCall {
  readonly sdp: string
  /** `rtc_…` (or a UUID). */
  readonly callId: string
  /** The reply's status (201) and headers (lower-case names), as openai-node's `Response` carries them. */
  readonly status?: number
  readonly headers?: Readonly<Record<string, string>>
}

/**
 * The parameters of `websocketHeaders`: the session id for `x-session-id`, as `sessionId`
 * or the wire's `session_id` (`sessionId` wins when both are given).
 *
 * @since 0.1.0
 * @category models
 */
export interface WebsocketHeadersParams {
  readonly sessionId?: string | undefined
  readonly session_id?: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly calls: {
    /** Creates a WebRTC call; 404 (no rollout for this account) is `RealtimeUnavailable`. */
    readonly create: (params: CallCreateParams) => Effect.Effect<RealtimeCall, CodexError>
  }
  /** `wss://…/v1/realtime?model=<model>`, from `CodexConfig.openaiBaseUrl`. */
  readonly websocketUrl: (params: { readonly model: string }) => Effect.Effect<string, CodexError>
  /**
   * The handshake headers (`Authorization` with the Platform API key, `originator`,
   * `x-session-id`), redacted: unwrap them with `Redacted.value` where the WebSocket is
   * opened. Fails with `ApiKeyMissing` when neither `auth.json` nor `OPENAI_API_KEY` has a key.
   */
  readonly websocketHeaders: (
    params?: WebsocketHeadersParams
  ) => Effect.Effect<Redacted.Redacted<Readonly<Record<string, string>>>, CodexError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Realtime extends Context.Tag("codex-backend-sdk/Realtime")<Realtime, Service>() {}

const endpoint = "POST /realtime/calls"

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The call id: the last path segment of `Location`, without its query (§10.1). */
const callIdOf = (location: string | undefined): string | undefined => {
  if (location === undefined) return undefined
  const path = location.split(/[?#]/)[0] ?? ""
  const id = path.split("/").filter((segment) => segment !== "").pop()
  return id !== undefined && (/^rtc_[A-Za-z0-9_-]+$/.test(id) || uuid.test(id)) ? id : undefined
}

const apiKeyFromEnv = Config.option(Config.redacted("OPENAI_API_KEY")).pipe(
  Effect.map(Option.getOrUndefined),
  Effect.orElseSucceed(() => undefined)
)

/**
 * Builds the live service.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Service, never, CodexConfig | CodexAuth | CodexTransport | TokenStore> = Effect
  .gen(function*() {
    const backend = yield* makeBackend
    const config = backend.config
    const store = yield* TokenStore
    const url = joinUrl(config.codexBaseUrl, "realtime/calls")

    const create = Effect.fn("Realtime.calls.create")(function*(params: CallCreateParams) {
      if (typeof params.sdp !== "string" || params.sdp.trim() === "") {
        return yield* new InvalidParameter({ parameter: "sdp", detail: "the SDP offer must be a non-empty string" })
      }
      let session: Record<string, unknown> | undefined
      if (params.session !== undefined) {
        const { id: _, ...rest } = params.session
        session = rest
      }
      const call = session === undefined
        ? {
          endpoint,
          url,
          method: "POST",
          accept: "application/sdp",
          payload: { contentType: "application/sdp", body: params.sdp }
        } as const
        : {
          endpoint,
          url: `${url}?intent=quicksilver&architecture=avas`,
          method: "POST",
          accept: "application/sdp",
          body: { sdp: params.sdp, session }
        } as const
      const response = yield* backend.send(call).pipe(
        Effect.catchTag("NotFound", (error) =>
          Effect.fail(
            new RealtimeUnavailable({
              detail: error.detail,
              ...(error.status === undefined ? {} : { status: error.status }),
              ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
              ...(error.cfRay === undefined ? {} : { cfRay: error.cfRay })
            })
          ))
      )
      const meta = replyMeta(response)
      // The body first: a reply left unread would hold its connection.
      const sdp = yield* readBody(response, config.maxEventBytes)
      const callId = callIdOf(response.headers["location"])
      if (callId === undefined) {
        return yield* new DecodeError({
          detail: `the call id in Location is neither rtc_… nor a UUID: ${
            JSON.stringify(scrub(response.headers["location"] ?? "") || null)
          }`,
          ...meta
        })
      }
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) headers[name] = value
      return { sdp, callId, status: response.status, headers }
    }, withDeadline(config, endpoint))

    const websocketUrl = Effect.fn("Realtime.websocketUrl")(function*(params: { readonly model: string }) {
      if (typeof params.model !== "string" || params.model === "") {
        return yield* new InvalidParameter({
          parameter: "model",
          detail: "name the realtime model, e.g. gpt-realtime-1.5"
        })
      }
      const base = config.openaiBaseUrl.replace(/^https:/, "wss:").replace(/^http:/, "ws:")
      return `${joinUrl(base, "realtime")}?model=${encodeURIComponent(params.model)}`
    })

    const websocketHeaders = Effect.fn("Realtime.websocketHeaders")(
      function*(params: WebsocketHeadersParams = {}) {
        const stored = yield* store.load
        const key = stored?.apiKey ?? (yield* apiKeyFromEnv)
        if (key === undefined) return yield* new ApiKeyMissing({ feature: "The Realtime WebSocket" })
        const headers: Record<string, string> = {
          Authorization: `Bearer ${Redacted.value(key)}`,
          originator: config.originator
        }
        const sessionId = params.sessionId ?? params.session_id
        if (sessionId !== undefined) headers["x-session-id"] = sessionId
        return Redacted.make<Readonly<Record<string, string>>>(headers)
      }
    )

    return Realtime.of({ calls: { create }, websocketUrl, websocketHeaders })
  })

/**
 * The live service; `CodexClient.layer` provides what it needs.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Realtime, never, CodexConfig | CodexAuth | CodexTransport | TokenStore> = Layer
  .effect(Realtime, make)

/**
 * What `layerTest` takes: any subset of the methods, nested as in the service.
 *
 * @since 0.1.0
 * @category models
 */
export interface TestImplementation extends Partial<Omit<Service, "calls">> {
  readonly calls?: Partial<Service["calls"]>
}

/**
 * A test double: each method answers from the given implementation; a method left out
 * dies with a message naming it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTest = (impl: TestImplementation): Layer.Layer<Realtime> =>
  Layer.succeed(
    Realtime,
    Realtime.of({
      websocketUrl: () => Effect.dieMessage("Realtime.websocketUrl is not implemented by this test layer"),
      websocketHeaders: () => Effect.dieMessage("Realtime.websocketHeaders is not implemented by this test layer"),
      ...impl,
      calls: {
        create: () => Effect.dieMessage("Realtime.calls.create is not implemented by this test layer"),
        ...impl.calls
      }
    })
  )
