/**
 * `client.conversations` of the Promise facade: `Conversation` handles as Promises and
 * async iterables. The conversations of a client live in its memory (one `Conversations`
 * service per client, built by the first call on the client's runtime, which provides
 * `Responses` and, when present, `Models` and `CodexConfig`).
 *
 * @internal
 */
import type { Effect, Stream as EffectStream } from "effect"
import type { Conversation, Input, Service, StartOptions, TurnOptions } from "../../../Conversation.js"
import { makeWith } from "../../../Conversation.js"
import type { Compaction } from "../../../Conversation.js"
import type { Response, Usage } from "../../../Response.js"
import * as Responses from "../../../Responses.js"
import type { ResponseStreamEvent } from "../../../ResponseStreamEvent.js"
import { memory } from "../../conversationStore.js"
import type { RequestOptions } from "../options.js"
import type { Engine } from "../runtime.js"
import { Stream } from "../stream.js"

/** What the resource does with the client's engine: running an effect, and opening a stream, on its runtime. */
export interface Hooks {
  /** Runs an effect on the client's runtime (whose context provides what it needs). */
  readonly run: <A, E>(effect: Effect.Effect<A, E, never>, options?: RequestOptions) => Promise<A>
  /** Opens a stream on the client's runtime as the facade's async iterable. */
  readonly open: <A, E>(stream: EffectStream.Stream<A, E, never>, signal?: AbortSignal) => Promise<AsyncIterable<A>>
}

/** A conversation as Promises: the methods of `Conversation.Conversation`. */
export class ConversationHandle {
  /** The conversation id: the `prompt_cache_key` and `session_id` of its requests. */
  readonly id: string

  constructor(private readonly conversation: Conversation, private readonly hooks: Hooks) {
    this.id = conversation.id
  }

  /** One turn, collected; the history grows only when it succeeds. */
  send(input: Input, options?: RequestOptions & TurnOptions): Promise<Response> {
    const { signal, timeout, maxRetries, ...turn } = options ?? {}
    return this.hooks.run(this.conversation.send(input, turn), { signal, timeout, maxRetries })
  }

  /** One turn, streamed; the history grows when the stream completes. */
  stream(input: Input, options?: { readonly signal?: AbortSignal }): Promise<AsyncIterable<ResponseStreamEvent>> {
    return this.hooks.open(this.conversation.stream(input), options?.signal)
  }

  /** The items the next request sends before its new input. */
  history(): Promise<ReadonlyArray<Responses.InputItem>> {
    return this.hooks.run(this.conversation.history)
  }

  /** Compacts now. */
  compact(): Promise<Compaction> {
    return this.hooks.run(this.conversation.compact)
  }

  /** A new conversation from this history. */
  async fork(id?: string): Promise<ConversationHandle> {
    return new ConversationHandle(await this.hooks.run(this.conversation.fork(id)), this.hooks)
  }

  /** The last response's usage. */
  usage(): Promise<Usage | undefined> {
    return this.hooks.run(this.conversation.usage)
  }

  /** The compactions so far. */
  compactions(): Promise<ReadonlyArray<Compaction>> {
    return this.hooks.run(this.conversation.compactions)
  }
}

/** `client.conversations`: `create(options)` and `retrieve(id)`. */
export class ConversationsResource {
  private service: Promise<Service> | undefined = undefined

  private readonly hooks: Hooks

  /** @internal */
  constructor(engine: Engine) {
    this.hooks = {
      run: (effect, options) => engine.run(Responses.Responses, () => effect, options),
      open: (stream, signal) =>
        Promise.resolve(engine.current()).then((runtime) => Stream.open(runtime, stream, signal))
    }
  }

  private conversations(): Promise<Service> {
    // The service needs `Responses` from the runtime's context: the cast only hides it from the type.
    this.service ??= this.hooks.run(makeWith(memory()) as Effect.Effect<Service>)
    return this.service
  }

  /** Starts a conversation (preflight included, unless `preflight: false`). */
  async create(options?: StartOptions): Promise<ConversationHandle> {
    const service = await this.conversations()
    return new ConversationHandle(await this.hooks.run(service.start(options)), this.hooks)
  }

  /** A conversation of this client, by id; rejects with `NotFound`. */
  async retrieve(id: string): Promise<ConversationHandle> {
    const service = await this.conversations()
    return new ConversationHandle(await this.hooks.run(service.resume(id)), this.hooks)
  }
}
