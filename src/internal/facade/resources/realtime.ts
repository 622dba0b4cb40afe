/**
 * `client.realtime` of the Promise client: WebRTC calls (answered as a fetch `Response`)
 * and the WebSocket URL and headers.
 *
 * @since 0.1.0
 */
import { Effect, Redacted } from "effect"
import * as Realtime from "../../../Realtime.js"
import type { RequestOptions } from "../options.js"
import type { Engine } from "../runtime.js"

/**
 * What `realtime.calls.create` resolves to: a fetch `Response`, as openai-node's (`await
 * answer.text()` is the SDP answer; `status`, `headers`, `ok`), that also carries the
 * answer as `sdp` and the call id (`rtc_…`) as `callId`.
 *
 * @since 0.1.0
 * @category models
 */
export type RealtimeAnswer = globalThis.Response & {
  readonly sdp: string
  readonly callId: string
}

const realtimeAnswer = (call: Realtime.RealtimeCall): RealtimeAnswer => {
  const headers = new Headers()
  for (const [name, value] of Object.entries(call.headers ?? { "content-type": "application/sdp" })) {
    if (!/^set-cookie2?$/i.test(name)) headers.set(name, value)
  }
  return Object.assign(new globalThis.Response(call.sdp, { status: call.status ?? 201, headers }), {
    sdp: call.sdp,
    callId: call.callId
  })
}

/**
 * `client.realtime`: WebRTC calls and the WebSocket URL and headers.
 *
 * @since 0.1.0
 * @category resources
 */
export class RealtimeResource {
  /** `client.realtime.calls.create({ sdp, session? })`. */
  readonly calls: {
    readonly create: (params: Realtime.CallCreateParams, options?: RequestOptions) => Promise<RealtimeAnswer>
  }

  /** @internal */
  constructor(private readonly engine: Engine) {
    this.calls = {
      create: (params, options) =>
        engine.run(Realtime.Realtime, (realtime) => Effect.map(realtime.calls.create(params), realtimeAnswer), options)
    }
  }

  /** `wss://…/v1/realtime?model=<model>`. */
  websocketUrl(params: { readonly model: string }, options?: RequestOptions): Promise<string> {
    return this.engine.run(Realtime.Realtime, (realtime) => realtime.websocketUrl(params), options)
  }

  /**
   * The WebSocket handshake headers, in the clear (they hold the API key: pass them to
   * the WebSocket and nowhere else).
   */
  websocketHeaders(
    params?: Realtime.WebsocketHeadersParams,
    options?: RequestOptions
  ): Promise<Readonly<Record<string, string>>> {
    return this.engine.run(
      Realtime.Realtime,
      (realtime) => Effect.map(realtime.websocketHeaders(params), Redacted.value),
      options
    )
  }
}
