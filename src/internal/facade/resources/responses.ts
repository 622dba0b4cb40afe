/**
 * `client.responses` of the Promise client: `create` (collected, or streamed with
 * `stream: true`), `parse`, the `stream` helper and `compact`, through the client's
 * `responseStore` when it has one.
 *
 * @since 0.1.0
 */
import type { Runtime } from "effect"
import { Effect, Stream as EffectStream } from "effect"
import type { CompactedResponse, Response } from "../../../Response.js"
import * as Responses from "../../../Responses.js"
import type { ResponseStreamEvent } from "../../../ResponseStreamEvent.js"
import type { RequestOptions } from "../options.js"
import * as Parse from "../parse.js"
import * as ResponseStore from "../responseStore.js"
import { ResponseStream } from "../responseStream.js"
import type { Engine } from "../runtime.js"
import { serviceOf, streamWithPolicy } from "../runtime.js"
import { Stream } from "../stream.js"

/**
 * `client.responses`: `create` (collected, or streamed with `stream: true`), the
 * `stream` helper, `compact`.
 *
 * @since 0.1.0
 * @category resources
 */
export class ResponsesResource {
  /** @internal */
  constructor(private readonly engine: Engine, private readonly store?: ResponseStore.ResponseStore) {}

  /** Streams the reply: resolves (once connected) to an async iterable of events. */
  create(
    params: Responses.CreateParams & { readonly stream: true },
    options?: RequestOptions
  ): Promise<Stream<ResponseStreamEvent>>
  /** Collects the reply into a `Response` (`output_text` set). */
  create(
    params: Responses.CreateParams & { readonly stream?: false | undefined },
    options?: RequestOptions
  ): Promise<Response>
  create(params: Responses.CreateParams, options?: RequestOptions): Promise<Response | Stream<ResponseStreamEvent>>
  create(params: Responses.CreateParams, options?: RequestOptions): Promise<Response | Stream<ResponseStreamEvent>> {
    if (params.stream !== true) {
      return this.engine.run(Responses.Responses, (responses) => this.collected(responses, params), options)
    }
    const signal = options?.signal
    const open = (runtime: Runtime.Runtime<never>) =>
      Stream.open(
        runtime,
        streamWithPolicy(this.events(serviceOf(runtime, Responses.Responses), params), options),
        signal
      )
    const runtime = this.engine.current()
    return runtime instanceof Promise ? runtime.then(open) : open(runtime)
  }

  /**
   * openai-node's `responses.parse`: a collected `create` whose `text.format` of type
   * `json_schema` gives `output_parsed` (and `parsed` on each `output_text` part). A refusal
   * rejects with `ModelRefusal`, a reply that is not JSON or does not fit the schema with
   * `OutputMismatch`. A format with openai-node's `$parseRaw` (`zodTextFormat`) is parsed by it.
   */
  parse<T = unknown>(
    params: Responses.CreateParams & { readonly stream?: false | undefined },
    options?: RequestOptions
  ): Promise<Parse.ParsedResponse<T>> {
    return this.engine.run(
      Responses.Responses,
      (responses) =>
        Effect.zipRight(
          Parse.check(params),
          Effect.flatMap(this.collected(responses, params), (response) => Parse.parse<T>(params, response))
        ),
      options
    )
  }

  /** A collected `create`, through the `responseStore` when there is one. */
  private collected(responses: Responses.Service, params: Responses.CreateParams) {
    const store = this.store
    return store === undefined
      ? responses.create(params)
      : Effect.flatMap(
        ResponseStore.expand(store, params),
        ({ input, params }) =>
          Effect.tap(responses.create(params), (response) => ResponseStore.keep(store, input, response))
      )
  }

  /** openai-node's streaming helper: listeners, async iteration, `finalResponse()`, `abort()`. */
  stream(params: Responses.CreateParams, options?: RequestOptions): ResponseStream {
    const { stream: _, ...rest } = params
    return new ResponseStream(
      this.engine.current(),
      (runtime) => streamWithPolicy(this.events(serviceOf(runtime, Responses.Responses), rest), options),
      options?.signal
    )
  }

  /** The events of a streamed request, through the `responseStore` when there is one. */
  private events(responses: Responses.Service, params: Responses.CreateParams) {
    const store = this.store
    if (store === undefined) return responses.stream(params)
    return EffectStream.unwrap(
      Effect.map(
        ResponseStore.expand(store, params),
        ({ input, params }) => ResponseStore.keepStreamed(store, input, responses.stream(params))
      )
    )
  }

  /** Compacts a history into opaque compaction items. */
  compact(params: Responses.CompactParams, options?: RequestOptions): Promise<CompactedResponse> {
    return this.engine.run(Responses.Responses, (responses) => responses.compact(params), options)
  }
}
