/**
 * Conversations: stateful threads over the stateless backend (`store: false`, protocol
 * §4.2). A conversation keeps the history the backend needs replayed (§4.4, §5.4), sends
 * its id as the `prompt_cache_key` and `session_id` of every request (so the prompt cache
 * hits, and the WebSocket transport sends only the new items), compacts itself before the
 * model's context fills up (§8.0), and can be stored and resumed.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Conversation } from "codex-backend-sdk"
 *
 * const program = Effect.gen(function*() {
 *   const conversations = yield* Conversation.Conversations
 *   const chat = yield* conversations.start({ instructions: "Be brief." })
 *   yield* chat.send("My name is Ada.")
 *   const answer = yield* chat.send("What is my name?")
 *   return answer.output_text
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import { Clock, Context, Effect, Layer, Option, PubSub, Schema, Stream } from "effect"
import { CodexConfig } from "./CodexConfig.js"
import type { CodexError } from "./CodexError.js"
import { brand, InvalidParameter, NotFound } from "./CodexError.js"
import * as Store from "./internal/conversationStore.js"
import { itemsOf, replayable } from "./internal/history.js"
import { estimateTokens } from "./internal/tokens.js"
import { withSpan } from "./internal/tracing.js"
import { Models, PreflightRefused } from "./Models.js"
import type { Response, Usage } from "./Response.js"
import * as ResponseCollector from "./ResponseCollector.js"
import type { CreateParams, InputItem } from "./Responses.js"
import { Responses } from "./Responses.js"
import type { ResponseStreamEvent } from "./ResponseStreamEvent.js"

declare global {
  /**
   * `@effect/platform/KeyValueStore`'s declarations (which `layerStore` names) mention the
   * DOM's `Storage`; this empty declaration lets a Node project without the DOM library and
   * without `skipLibCheck` type-check them. With the DOM library it merges into the real
   * one and changes nothing. A type only: nothing exists at run time.
   */
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- empty on purpose (see above)
  interface Storage {}
}

/**
 * What a conversation sends with every turn, and when it compacts.
 *
 * @since 0.1.0
 * @category models
 */
export interface StartOptions extends
  Pick<
    CreateParams,
    "model" | "instructions" | "tools" | "tool_choice" | "parallel_tool_calls" | "reasoning" | "text" | "service_tier"
  >
{
  /** The conversation id: the `prompt_cache_key` and `session_id` of its requests. Default: a random UUID. */
  readonly id?: string
  /** `"reasoning.encrypted_content"` is added when `reasoning` is set: replayed reasoning needs it. */
  readonly include?: ReadonlyArray<string>
  /**
   * The token count at which the conversation compacts before a turn. Default: the
   * model's `auto_compact_token_limit` from `/models`, else 90 % of its `context_window`.
   */
  readonly compactAt?: number
  /**
   * Run `Models.preflight` first and fail with `PreflightRefused` instead of sending a
   * doomed request (default `true`; skipped when no `Models` service is provided).
   */
  readonly preflight?: boolean
}

/**
 * What `send` and `stream` take: what `Responses.create` takes as `input` (a string,
 * messages, items, `function_call_output`s answering the last turn's calls).
 *
 * @since 0.1.0
 * @category models
 */
export type Input = string | ReadonlyArray<InputItem>

/**
 * What one turn may send differently from the conversation's settings (not stored): the
 * tool loop of `Tools.run` sends its tools this way.
 *
 * @since 0.1.0
 * @category models
 */
export type TurnOptions = Pick<CreateParams, "tools" | "tool_choice" | "parallel_tool_calls">

/**
 * One compaction of a conversation. `reason`: `"limit"` (the token count reached the
 * limit before a turn), `"context_length"` (a turn failed with a context-length error and
 * is retried once), `"explicit"` (`compact`). `via`: `"remote"` (`Responses.compact`) or
 * `"local"` (a summarising `/responses` turn, after the remote form failed).
 *
 * @since 0.1.0
 * @category models
 */
export interface Compaction {
  readonly reason: "limit" | "context_length" | "explicit"
  readonly via: "remote" | "local"
  readonly itemsBefore: number
  readonly itemsAfter: number
  readonly tokensBefore: number
  readonly tokensAfter: number
}

/**
 * A store could not be read or written. A failed append loses the turn (the history in
 * memory stays as it was), never the conversation.
 *
 * @since 0.1.0
 * @category errors
 */
export class StoreError
  extends Schema.TaggedError<StoreError>("codex-backend-sdk/Conversation/StoreError")("StoreError", {
    operation: Schema.String,
    cause: Schema.optional(Schema.Unknown)
  })
{
  override get message() {
    return `The conversation store failed to ${this.operation}${
      this.cause instanceof Error ? `: ${this.cause.message}` : ""
    }`
  }
}

brand(StoreError)

/**
 * The errors of a conversation: the backend's, and the store's.
 *
 * @since 0.1.0
 * @category errors
 */
export type ConversationError = CodexError | StoreError

/**
 * A conversation handle. Turns of one handle run one at a time.
 *
 * @since 0.1.0
 * @category models
 */
export interface Conversation {
  readonly id: string
  /** The resolved settings the conversation was started with. */
  readonly options: Omit<StartOptions, "id" | "preflight"> & { readonly model: string }
  /**
   * One turn: the history plus `input`, collected. On success the input and the
   * replayable output are appended to the history; a failed turn changes nothing.
   */
  readonly send: (input: Input, turn?: TurnOptions) => Effect.Effect<Response, ConversationError>
  /** One turn, streamed. The history is updated when the stream completes, never from a cut stream. */
  readonly stream: (input: Input) => Stream.Stream<ResponseStreamEvent, ConversationError>
  /** The items the next request will send before its new input. */
  readonly history: Effect.Effect<ReadonlyArray<InputItem>>
  /** Compacts now (`Responses.compact`; a local summary if that fails). */
  readonly compact: Effect.Effect<Compaction, ConversationError>
  /** A new conversation (its own id, default a UUID) starting from this history. */
  readonly fork: (id?: string) => Effect.Effect<Conversation, ConversationError>
  /** The last response's usage. */
  readonly usage: Effect.Effect<Usage | undefined>
  /** The compactions of this handle so far. */
  readonly compactions: Effect.Effect<ReadonlyArray<Compaction>>
  /** The compactions of this handle from now on, as they happen. */
  readonly events: Stream.Stream<Compaction>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /**
   * Starts a conversation: fails with `PreflightRefused` when the model, its plan, the
   * reasoning or verbosity settings or a spent usage window would doom the first request,
   * and with `InvalidParameter` when the id is already taken or malformed.
   */
  readonly start: (options?: StartOptions) => Effect.Effect<Conversation, ConversationError | PreflightRefused>
  /** The stored conversation, continuing where it stopped, or `NotFound`. */
  readonly resume: (id: string) => Effect.Effect<Conversation, ConversationError | NotFound>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Conversations extends Context.Tag("codex-backend-sdk/Conversations")<Conversations, Service>() {}

/** Ids are file names and header values: keep them plain. */
const validId = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/

const checkId = (id: string): Effect.Effect<void, InvalidParameter> =>
  validId.test(id)
    ? Effect.void
    : new InvalidParameter({
      parameter: "id",
      detail: "a conversation id is 1 to 128 letters, digits, '_', '-' or '.'"
    })

/** The instruction of the local summary turn, when the remote compaction failed. */
const summaryInstructions =
  "Summarise the conversation so far for your own later use: the user's goals, the facts and decisions, the open questions and the current state of the work. Write only the summary."

/** The messages a compaction keeps (§8.0). */
const keptMessage = (item: InputItem): boolean =>
  item.type === "message" && "role" in item && ["user", "developer", "system"].includes(String(item.role))

/** A context-length failure: in the stream (§6.3) or a 400 naming it. */
const isContextLength = (error: ConversationError): boolean =>
  error._tag === "ContextWindowExceeded" ||
  (error._tag === "InvalidRequest" &&
    (error.code === "context_length_exceeded" || /context (length|window)/i.test(error.detail)))

/** The event that reports a context-length failure (`Responses.stream` emits it, then fails). */
const isContextLengthEvent = (event: ResponseStreamEvent): boolean => {
  const record = event as {
    readonly type: string
    readonly response?: { readonly error?: { readonly code?: unknown } | null }
    readonly code?: unknown
  }
  return (record.type === "response.failed" && record.response?.error?.code === "context_length_exceeded") ||
    (record.type === "error" && record.code === "context_length_exceeded")
}

const storeError = (failure: Store.StoreFailure) =>
  new StoreError({ operation: failure.operation, cause: failure.cause })

/**
 * Builds the service over a store. `Responses` is required; `Models` (for the compaction
 * limit) and `CodexConfig` (for the default model) are used when present.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeWith = (store: Store.Store): Effect.Effect<Service, never, Responses> =>
  Effect.gen(function*() {
    const responses = yield* Responses
    const models = Option.getOrUndefined(yield* Effect.serviceOption(Models))
    const config = Option.getOrUndefined(yield* Effect.serviceOption(CodexConfig))
    const live = new Map<string, Conversation>()
    const append = (id: string, entry: Store.Entry) => Effect.mapError(store.append(id, entry), storeError)

    /** The compaction limit: `compactAt`, else the catalog's, else none (a catalog that cannot be read sets none). */
    const limitOf = (options: Conversation["options"]): Effect.Effect<number | undefined> => {
      if (options.compactAt !== undefined) return Effect.succeed(options.compactAt)
      if (models === undefined) return Effect.succeed(undefined)
      return models.retrieve(options.model).pipe(
        Effect.map((model) =>
          model.auto_compact_token_limit ??
            (model.context_window === undefined ? undefined : Math.floor(model.context_window * 0.9))
        ),
        Effect.catchAll((error) =>
          Effect.as(Effect.logDebug(`No compaction limit for ${options.model}: ${error.message}`), undefined)
        )
      )
    }

    const open = (
      id: string,
      options: Conversation["options"],
      initial: { readonly history: Array<InputItem>; readonly usage: Usage | undefined }
    ): Effect.Effect<Conversation> =>
      Effect.gen(function*() {
        let history = initial.history
        let usage = initial.usage
        // The tokens the next request takes before its new input: the last usage, else an estimate.
        let tokens = estimateTokens(history)
        const compactions: Array<Compaction> = []
        const hub = yield* PubSub.unbounded<Compaction>()
        const lock = yield* Effect.makeSemaphore(1)
        const limit = yield* Effect.cached(limitOf(options))
        const include = options.reasoning == null || options.include?.includes("reasoning.encrypted_content") === true
          ? options.include
          : [...(options.include ?? []), "reasoning.encrypted_content"]
        const { compactAt: _compactAt, ...sent } = options
        const params = (added: ReadonlyArray<InputItem>, turn?: TurnOptions): CreateParams => ({
          ...sent,
          ...turn,
          ...(include === undefined ? {} : { include }),
          input: history.concat(added),
          prompt_cache_key: id
        })

        /** The summarising turn of the fallback: developer and system messages kept, then the summary. */
        const summarise = Effect.gen(function*() {
          const { tool_choice: _choice, tools: _tools, ...request } = params([
            { type: "message", role: "user", content: [{ type: "input_text", text: summaryInstructions }] }
          ])
          const response = yield* responses.create(request)
          const kept = history.filter((item) => keptMessage(item) && "role" in item && item.role !== "user")
          const summary: InputItem = {
            type: "message",
            role: "user",
            content: [{ type: "input_text", text: `Summary of the conversation so far:\n${response.output_text}` }]
          }
          return [...kept, summary]
        })

        const compactNow = (reason: Compaction["reason"]) =>
          Effect.gen(function*() {
            const before = { items: history.length, tokens }
            let via: Compaction["via"] = "remote"
            const { include: _include, tool_choice: _choice, ...request } = params([])
            const compacted = yield* responses.compact(request).pipe(
              Effect.map((reply) => replayable(reply.output)),
              Effect.catchAll((error) => {
                via = "local"
                return Effect.zipRight(
                  Effect.logWarning(
                    `Conversation ${id}: remote compaction failed (${error.message}); summarising locally`
                  ),
                  summarise
                )
              })
            )
            yield* append(id, { kind: "compacted", history: compacted })
            history = compacted
            tokens = estimateTokens(history)
            const event: Compaction = {
              reason,
              via,
              itemsBefore: before.items,
              itemsAfter: history.length,
              tokensBefore: before.tokens,
              tokensAfter: tokens
            }
            compactions.push(event)
            yield* PubSub.publish(hub, event)
            yield* Effect.logInfo(
              `Conversation ${id} compacted (${reason}, ${via}): ${before.items} items, ~${before.tokens} tokens → ${event.itemsAfter} items, ~${event.tokensAfter} tokens`
            )
            return event
          }).pipe(withSpan("Conversation.compact"))

        /** Compacts first when this turn would reach the limit. */
        const beforeTurn = (added: ReadonlyArray<InputItem>) =>
          Effect.flatMap(limit, (at) =>
            at !== undefined && history.length > 0 && tokens + estimateTokens(added) >= at
              ? Effect.asVoid(compactNow("limit"))
              : Effect.void)

        /** Appends a completed turn: persisted first, then in memory. O(new items). */
        const commit = (added: ReadonlyArray<InputItem>, response: Response) =>
          Effect.gen(function*() {
            const output = replayable(response.output)
            const items = added.concat(output)
            yield* append(id, { kind: "turn", items, ...(response.usage == null ? {} : { usage: response.usage }) })
            for (const item of items) history.push(item)
            usage = response.usage ?? undefined
            // What this request took, plus its output (as received: the WebSocket session replays it with its ids).
            tokens = usage === undefined
              ? tokens + estimateTokens(items)
              : usage.input_tokens + estimateTokens(response.output)
            return response
          })

        const send = (input: Input, turn?: TurnOptions) =>
          Effect.suspend(() => {
            const added = itemsOf(input)
            return beforeTurn(added).pipe(
              Effect.zipRight(Effect.suspend(() => responses.create(params(added, turn)))),
              Effect.catchIf(
                isContextLength,
                () =>
                  Effect.zipRight(
                    compactNow("context_length"),
                    Effect.suspend(() => responses.create(params(added, turn)))
                  )
              ),
              Effect.flatMap((response) => commit(added, response))
            )
          }).pipe(lock.withPermits(1), withSpan("Conversation.send"))

        /** One streamed attempt; the history is committed only after the stream's completed end. */
        const attempt = (
          added: ReadonlyArray<InputItem>,
          retry: boolean
        ): Stream.Stream<ResponseStreamEvent, ConversationError> =>
          Stream.suspend(() => {
            const collector = ResponseCollector.make()
            const events = responses.stream(params(added)).pipe(Stream.map((event) => {
              collector.push(event)
              return event
            }))
            const committed = Stream.drain(Stream.fromEffect(
              Effect.flatMap(Effect.flatMap(Clock.currentTimeMillis, (now) => collector.result(now)), (response) =>
                commit(added, response))
            ))
            if (!retry) {
              return Stream.concat(events, committed)
            }
            return Stream.concat(
              Stream.filter(events, (event) =>
                !isContextLengthEvent(event)),
              committed
            ).pipe(
              Stream.catchAll((error) =>
                isContextLength(error)
                  ? Stream.unwrap(Effect.as(compactNow("context_length"), attempt(added, false)))
                  : Stream.fail(error)
              )
            )
          })

        const stream = (input: Input): Stream.Stream<ResponseStreamEvent, ConversationError> =>
          Stream.unwrapScoped(Effect.gen(function*() {
            yield* Effect.acquireRelease(lock.take(1), () => lock.release(1))
            const added = itemsOf(input)
            yield* beforeTurn(added)
            return attempt(added, true)
          }))

        const fork = (forkId?: string) =>
          Effect.suspend(() => lock.withPermits(1)(Effect.sync(() => history.slice()))).pipe(
            Effect.flatMap((copy) => begin(forkId, options, copy, usage)),
            withSpan("Conversation.fork")
          )

        const conversation: Conversation = {
          id,
          options,
          send,
          stream,
          history: Effect.sync(() => history.slice()),
          compact: lock.withPermits(1)(compactNow("explicit")),
          fork,
          usage: Effect.sync(() => usage),
          compactions: Effect.sync(() => compactions.slice()),
          events: Stream.fromPubSub(hub)
        }
        live.set(id, conversation)
        return conversation
      })

    /** A new conversation, recorded in the store with its settings and starting history. */
    const begin = (
      given: string | undefined,
      options: Conversation["options"],
      history: Array<InputItem>,
      usage: Usage | undefined
    ): Effect.Effect<Conversation, ConversationError> =>
      Effect.gen(function*() {
        const id = given ?? crypto.randomUUID()
        yield* checkId(id)
        if (live.has(id) || (yield* Effect.mapError(store.load(id), storeError)) !== undefined) {
          return yield* new InvalidParameter({
            parameter: "id",
            detail: `conversation ${id} already exists; resume it instead`
          })
        }
        yield* append(id, { kind: "start", settings: options, history })
        return yield* open(id, options, { history, usage })
      })

    const start = Effect.fn("Conversation.start")(function*(options: StartOptions = {}) {
      const { id, preflight, ...settings } = options
      const model = options.model ?? config?.defaultModel ?? "gpt-5.4"
      if (id !== undefined) yield* checkId(id)
      if (preflight !== false && models !== undefined) {
        const verdict = yield* models.preflight({ model, reasoning: options.reasoning, text: options.text })
        if (verdict._tag === "Refused") {
          const { _tag, ...refusal } = verdict
          return yield* new PreflightRefused(refusal)
        }
      }
      return yield* begin(id, { ...settings, model }, [], undefined)
    })

    const resume = Effect.fn("Conversation.resume")(function*(id: string) {
      const found = live.get(id)
      if (found !== undefined) return found
      const entries = yield* Effect.mapError(store.load(id), storeError)
      const first = entries?.[0]
      if (entries === undefined || first === undefined || first.kind !== "start") {
        return yield* new NotFound({ detail: `conversation ${id}` })
      }
      let history = first.history.slice() as Array<InputItem>
      let usage: Usage | undefined
      for (const entry of entries.slice(1)) {
        if (entry.kind === "turn") {
          for (const item of entry.items) history.push(item as InputItem)
          usage = entry.usage as Usage | undefined
        } else if (entry.kind === "compacted") {
          history = entry.history.slice() as Array<InputItem>
          usage = undefined
        }
      }
      return yield* open(id, first.settings as Conversation["options"], { history, usage })
    })

    return Conversations.of({ start, resume })
  })

/**
 * Conversations kept in memory, for this process only.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Conversations, never, Responses> = Layer.effect(
  Conversations,
  Effect.suspend(() => makeWith(Store.memory()))
)

/**
 * Conversations kept in an `@effect/platform` `KeyValueStore` (one key per turn, so a turn
 * writes only its own items).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerStore: Layer.Layer<Conversations, never, Responses | KeyValueStore.KeyValueStore> = Layer.effect(
  Conversations,
  Effect.flatMap(KeyValueStore.KeyValueStore, (kv) => makeWith(Store.keyValue(kv)))
)

/**
 * Conversations kept in `directory`, one append-only `<id>.jsonl` per conversation: a
 * kill during a write loses at most the turn in flight, never the file, and `resume(id)`
 * in a new process continues where it stopped.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFileSystem = (
  directory: string
): Layer.Layer<Conversations, never, Responses | FileSystem.FileSystem> =>
  Layer.effect(Conversations, Effect.flatMap(FileSystem.FileSystem, (fs) => makeWith(Store.fileSystem(fs, directory))))
