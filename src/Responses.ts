/**
 * `POST /responses`: the Responses API as the Codex backend serves it, compaction
 * included (a `compaction_trigger` item, protocol §8.0, or the legacy
 * `POST /responses/compact`, §8.1).
 *
 * The backend only streams. `stream` returns the events as they arrive; `create` is the
 * same stream folded by `ResponseCollector`, so a streamed and a collected call can never
 * disagree. Parameters the backend rejects fail with `UnsupportedParameter` before
 * anything is sent.
 *
 * @since 0.1.0
 */
import type { Duration, Scope } from "effect"
import { Chunk, Context, Effect, Exit, Layer, Option, Schema, Stream } from "effect"
import type { CodexAuth } from "./CodexAuth.js"
import type { CodexConfig, CompactVia, Service as ConfigService } from "./CodexConfig.js"
import { withCurrentCallPolicy } from "./CodexConfig.js"
import type { CodexError } from "./CodexError.js"
import {
  DecodeError,
  InvalidParameter,
  isRetryable,
  ModelRefusal,
  OutputMismatch,
  PermissionDenied,
  Timeout,
  truncateFrame
} from "./CodexError.js"
import { CodexTransport } from "./CodexTransport.js"
import type { BackendReply as Reply } from "./internal/dispatch.js"
import { readText } from "./internal/dispatch.js"
import { isCloudflarePage, replyMeta } from "./internal/errors.js"
import { drain, stream as eventStream } from "./internal/eventReader.js"
import { makeBackend, readDecoded, withDeadline } from "./internal/http.js"
import * as ModelsEtag from "./internal/modelsEtag.js"
import { compactBody, responsesBody } from "./internal/request.js"
import * as ResponsesSocket from "./internal/responsesSocket.js"
import { redoSchedule, withRetries } from "./internal/retry.js"
import { defaultTracer, withSpan } from "./internal/tracing.js"
import { joinUrl, maxErrorBodyBytes } from "./internal/wire.js"
import { Models } from "./Models.js"
import * as RateLimits from "./RateLimits.js"
import type { Response } from "./Response.js"
import { CompactedResponse, isCompaction } from "./Response.js"
import type { OutputItem } from "./Response.js"
import * as ResponseCollector from "./ResponseCollector.js"
import type { ResponseStreamEvent } from "./ResponseStreamEvent.js"
import * as StructuredOutput from "./StructuredOutput.js"

/**
 * A content part of an input message. Bare strings become `input_text` (or `output_text`
 * in an assistant message).
 *
 * @since 0.1.0
 * @category models
 */
export type InputContent =
  | string
  | { readonly type: "input_text"; readonly text: string }
  | { readonly type: "input_image"; readonly image_url?: string; readonly file_id?: string; readonly detail?: string }
  | { readonly type: "output_text"; readonly text: string; readonly annotations?: ReadonlyArray<unknown> }
  | { readonly type: string; readonly [key: string]: unknown }

/**
 * A message in `input`. `type: "message"` may be left out.
 *
 * @since 0.1.0
 * @category models
 */
export interface InputMessage {
  readonly type?: "message"
  readonly role: "user" | "assistant" | "system" | "developer"
  readonly content: string | ReadonlyArray<InputContent>
  readonly id?: string
  readonly status?: string
  readonly phase?: string
}

/**
 * The answer to a function call; it must follow its `function_call` item in `input`.
 *
 * @since 0.1.0
 * @category models
 */
export interface FunctionCallOutput {
  readonly type: "function_call_output"
  readonly call_id: string
  readonly output: string | ReadonlyArray<unknown>
}

/**
 * An item of `input`: a message, a tool output, an item of an earlier response (replayed
 * verbatim, ids stripped), or any other item the backend accepts.
 *
 * @since 0.1.0
 * @category models
 */
export type InputItem =
  | InputMessage
  | FunctionCallOutput
  | OutputItem
  | { readonly type: string; readonly [key: string]: unknown }

/**
 * A function tool, flat (`{type, name, parameters}`) or in the chat shape
 * (`{type, function: {name, parameters}}`, flattened before sending), or another tool type
 * (`web_search`, `custom`, ...).
 *
 * @since 0.1.0
 * @category models
 */
export type Tool =
  | {
    readonly type: "function"
    readonly name: string
    readonly description?: string
    readonly parameters?: Readonly<Record<string, unknown>>
    readonly strict?: boolean
  }
  | {
    readonly type: "function"
    readonly function: {
      readonly name: string
      readonly description?: string
      readonly parameters?: Readonly<Record<string, unknown>>
      readonly strict?: boolean
    }
  }
  | { readonly type: string; readonly [key: string]: unknown }

/**
 * @since 0.1.0
 * @category models
 */
export type ToolChoice = "auto" | "none" | "required" | { readonly type: "function"; readonly name: string }

/**
 * Structured output: the flat `json_schema` format (the chat style
 * `{type, json_schema: {...}}` is accepted and flattened). `name` defaults to the schema's
 * `title`, `strict` to `true`; strict schemas are checked before sending.
 *
 * @since 0.1.0
 * @category models
 */
export type TextFormat =
  | { readonly type: "text" }
  | {
    readonly type: "json_schema"
    readonly name?: string
    readonly description?: string
    readonly schema: Readonly<Record<string, unknown>>
    readonly strict?: boolean
  }
  | {
    readonly type: "json_schema"
    readonly json_schema: {
      readonly name?: string
      readonly schema: Readonly<Record<string, unknown>>
      readonly strict?: boolean
    }
  }

/**
 * The parameters of `create` and `stream`: the 13 fields the backend accepts.
 *
 * @since 0.1.0
 * @category models
 */
export interface CreateParams {
  /** A catalog slug; defaults to `CodexConfig.defaultModel`. */
  readonly model?: string
  readonly input: string | ReadonlyArray<InputItem>
  /** Always sent, `""` when absent (the backend requires the field). */
  readonly instructions?: string
  /** Defaults to `[]`, or `["reasoning.encrypted_content"]` when `reasoning` is set. */
  readonly include?: ReadonlyArray<string>
  readonly parallel_tool_calls?: boolean
  /** The conversation id; also sent as the `session_id` header. */
  readonly prompt_cache_key?: string
  /** `effort` and `summary` support is per model: see `supported_reasoning_levels` in `/models`. */
  readonly reasoning?: { readonly effort?: string; readonly summary?: string; readonly context?: string } | null
  /** Only `"default"` and `"priority"` are accepted. */
  readonly service_tier?: "default" | "priority"
  /** The backend stores nothing: only `false` is accepted. */
  readonly store?: false
  /** `create` collects and `stream` streams; this field may only agree with the method. */
  readonly stream?: boolean
  readonly text?: { readonly verbosity?: "low" | "medium" | "high"; readonly format?: TextFormat }
  /** Defaults to `"auto"`; always sent with `tools`. */
  readonly tool_choice?: ToolChoice
  readonly tools?: ReadonlyArray<Tool>
}

/**
 * The parameters of `compact`: those of `create` without `stream`, `store`, `include` and
 * `tool_choice`.
 *
 * @since 0.1.0
 * @category models
 */
export type CompactParams = Pick<
  CreateParams,
  | "model"
  | "input"
  | "instructions"
  | "tools"
  | "parallel_tool_calls"
  | "reasoning"
  | "text"
  | "service_tier"
  | "prompt_cache_key"
>

/**
 * The parameters of `parse`: those of `create`, with `text.format` built from the schema.
 * `name` (default: the schema's `identifier` or `title` annotation, else `"output"`),
 * `description` and `strict` (default `true`) shape the format.
 *
 * @since 0.1.0
 * @category models
 */
export interface ParseParams extends Omit<CreateParams, "text" | "stream"> {
  readonly text?: { readonly verbosity?: "low" | "medium" | "high" }
  readonly name?: string
  readonly description?: string
  readonly strict?: boolean
}

/**
 * A collected `Response` with the reply decoded into the schema's type.
 *
 * @since 0.1.0
 * @category models
 */
export type ParsedResponse<A> = Response & { readonly output_parsed: A }

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /**
   * Sends a request and collects its stream into a `Response`. A cut stream, an idle
   * timeout or a retryable in-stream failure redoes the whole request up to
   * `CodexConfig.maxStreamRetries` times.
   */
  readonly create: (params: CreateParams) => Effect.Effect<Response, CodexError>
  /**
   * Sends a request and streams its events. The stream ends after `response.completed`;
   * it fails (after emitting the terminal event) on `response.failed`,
   * `response.incomplete` and `error`, and with `StreamInterrupted` when the connection
   * closes before a terminal event. Interrupting the consumer aborts the HTTP request.
   */
  readonly stream: (params: CreateParams) => Stream.Stream<ResponseStreamEvent, CodexError>
  /**
   * Warms up the WebSocket of the request's session (`prompt_cache_key`) by sending it
   * with `generate: false` (protocol §13): the backend keeps the history and answers with
   * no output, so the next turn uploads only its new items. Does nothing when the request
   * would go over SSE (see `CodexConfig.ResponsesTransport`).
   */
  readonly prewarm: (params: CreateParams) => Effect.Effect<void, CodexError>
  /**
   * Compacts a history (protocol §8): by default an ordinary `/responses` stream whose
   * last input item is a `compaction_trigger` (§8.0), else the legacy route (see
   * `CodexConfig.compactVia`; a 404 tries the other form once). The result is the new
   * history to send as the next `input`: the user, developer and system messages kept,
   * then the one `compaction` item. A reply with no compaction item or several fails with
   * `DecodeError`; `response.failed` with `ResponseFailed`.
   */
  readonly compact: (params: CompactParams) => Effect.Effect<CompactedResponse, CodexError>
  /**
   * Structured output from an `effect/Schema`: sends the schema as a strict `text.format`
   * (see `StructuredOutput`) and decodes the answer into `output_parsed`. A reply that does
   * not fit fails with `OutputMismatch`, a refusal with `ModelRefusal`.
   */
  readonly parse: <A, I, R>(
    schema: Schema.Schema<A, I, R>,
    params: ParseParams
  ) => Effect.Effect<ParsedResponse<A>, CodexError, R>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Responses extends Context.Tag("codex-backend-sdk/Responses")<Responses, Service>() {}

/**
 * `create` without first taking the service from the context (as `@effect/ai`'s
 * `LanguageModel.generateText`): `Responses.create(params)` needs `Responses`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Responses } from "codex-backend-sdk"
 *
 * const answer = Effect.map(Responses.create({ input: "Say PONG." }), (response) => response.output_text)
 * ```
 *
 * @since 0.1.0
 * @category accessors
 */
export const create = (params: CreateParams): Effect.Effect<Response, CodexError, Responses> =>
  Effect.flatMap(Responses, (responses) => responses.create(params))

/**
 * `stream` without first taking the service from the context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const stream = (params: CreateParams): Stream.Stream<ResponseStreamEvent, CodexError, Responses> =>
  Stream.unwrap(Effect.map(Responses, (responses) => responses.stream(params)))

/**
 * `compact` without first taking the service from the context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const compact = (params: CompactParams): Effect.Effect<CompactedResponse, CodexError, Responses> =>
  Effect.flatMap(Responses, (responses) => responses.compact(params))

/**
 * `parse` without first taking the service from the context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const parse = <A, I, R>(
  schema: Schema.Schema<A, I, R>,
  params: ParseParams
): Effect.Effect<ParsedResponse<A>, CodexError, Responses | R> =>
  Effect.flatMap(Responses, (responses) => responses.parse(schema, params))

const responsesEndpoint = "POST /responses"
const compactEndpoint = "POST /responses/compact"

/** The last input item that makes a `/responses` request a compaction (§8.0). */
const compactionTrigger = { type: "compaction_trigger" } as const

/** The header the trigger form is sent with (§8.0). */
const triggerHeaders = { "x-codex-beta-features": "remote_compaction_v2" } as const

/** The messages a compaction keeps (§8.0): the user's, the developer's and the system's. */
const keptByCompaction = (item: unknown): boolean =>
  typeof item === "object" && item !== null && (item as { type?: unknown }).type === "message" &&
  ["user", "developer", "system"].includes(String((item as { role?: unknown }).role))

const sessionHeaders = (body: Readonly<Record<string, unknown>>): Record<string, string> => {
  const key = body["prompt_cache_key"]
  return typeof key === "string" ? { session_id: key } : {}
}

const modelOf = (body: Readonly<Record<string, unknown>>): string | undefined =>
  typeof body["model"] === "string" ? body["model"] : undefined

/** A 200 that is not an event stream: a Cloudflare page, a proxy's HTML, a JSON body. */
const notAnEventStream = (response: Reply): Effect.Effect<never, CodexError> =>
  Effect.flatMap(
    Effect.orElseSucceed(Effect.map(readText(response, maxErrorBodyBytes), (read) => read.text), () => ""),
    (text): Effect.Effect<never, CodexError> => {
      const contentType = response.headers["content-type"] ?? ""
      const meta = replyMeta(response)
      if (isCloudflarePage(text, response.headers)) {
        return Effect.fail(new PermissionDenied({ reason: "cloudflare", detail: "Cloudflare challenge page", ...meta }))
      }
      return Effect.fail(
        new DecodeError({
          detail: `expected an event stream (text/event-stream), got ${
            contentType === "" ? "no content type" : contentType
          }`,
          frame: truncateFrame(text),
          contentType,
          ...meta
        })
      )
    }
  )

/**
 * Builds the service from the live backend (configuration, credentials, HTTP client).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Service, never, CodexConfig | CodexAuth | CodexTransport | Scope.Scope> = Effect.gen(
  function*() {
    const backend = yield* makeBackend
    const config = backend.config
    // With a Models service beside it, each reply's `x-models-etag` keeps the catalog cache honest (§9).
    const models = Option.getOrUndefined(yield* Effect.serviceOption(Models))
    const rateLimits = Option.getOrUndefined(yield* Effect.serviceOption(RateLimits.RateLimits))
    const readOptions = {
      endpoint: responsesEndpoint,
      idleTimeout: config.streamIdleTimeout,
      maxEventBytes: config.maxEventBytes,
      onRateLimits: rateLimits === undefined
        ? undefined
        : (event: Readonly<Record<string, unknown>>) =>
          Effect.runSync(rateLimits.update(undefined, [RateLimits.fromEvent(event)]))
    }
    const url = joinUrl(config.codexBaseUrl, "responses")
    // The WebSocket transport (§13), on transports that can hand over a socket.
    const upgrade = (yield* CodexTransport).upgrade
    const sockets = upgrade === undefined
      ? undefined
      : yield* ResponsesSocket.make({ backend, upgrade, url, readOptions, models })
    const compactUrl = joinUrl(config.codexBaseUrl, "responses/compact")
    const bodyOptions = (endpoint: string) => ({
      defaultModel: config.defaultModel,
      policy: config.parameterPolicy,
      endpoint
    })

    const prepare = (params: CreateParams, streaming: boolean) =>
      Effect.suspend(() =>
        params.stream !== undefined && params.stream !== streaming
          ? Effect.fail(
            new InvalidParameter({
              parameter: "stream",
              detail: streaming
                ? "responses.stream always streams; leave stream out or set it to true"
                : "responses.create collects the stream into a Response; call responses.stream for events"
            })
          )
          : responsesBody(params, bodyOptions(responsesEndpoint))
      )

    const open = (body: Readonly<Record<string, unknown>>, headers?: Readonly<Record<string, string>>) =>
      Effect.flatMap(
        backend.send({
          endpoint: responsesEndpoint,
          url,
          method: "POST",
          body,
          accept: "text/event-stream",
          headers: headers === undefined ? sessionHeaders(body) : { ...sessionHeaders(body), ...headers },
          model: modelOf(body)
        }),
        (response) => {
          if (!(response.headers["content-type"] ?? "").includes("text/event-stream")) return notAnEventStream(response)
          const etag = response.headers["x-models-etag"]
          return etag === undefined || models === undefined
            ? Effect.succeed(response)
            : Effect.as(ModelsEtag.note(models, etag), response)
        }
      )

    /** The stream's `requestDeadline`, from its start to its end. */
    const streamDeadline = (deadline: Duration.Duration) =>
      Effect.zipRight(
        Effect.sleep(deadline),
        Effect.fail(new Timeout({ phase: "deadline", endpoint: responsesEndpoint, after: deadline }))
      )

    /**
     * Whether this request goes over the WebSocket: `transport` (config or call policy), a
     * session that fell back to SSE, and for `"auto"` a `prompt_cache_key` and the cached
     * catalog's `prefer_websockets`.
     */
    const viaSocket = (policy: ConfigService, body: Readonly<Record<string, unknown>>): Effect.Effect<boolean> => {
      if (sockets === undefined || policy.transport === "sse") return Effect.succeed(false)
      const session = body["prompt_cache_key"]
      if (typeof session === "string" && sockets.fellBack(session)) return Effect.succeed(false)
      if (policy.transport === "websocket") return Effect.succeed(true)
      const model = modelOf(body)
      if (typeof session !== "string" || models === undefined || model === undefined) return Effect.succeed(false)
      return Effect.map(models.cached(model), (found) => found?.prefer_websockets === true)
    }

    const sseEvents = (body: Readonly<Record<string, unknown>>) =>
      Effect.map(open(body), (response) => eventStream(response, readOptions))

    /** The events of one response over the WebSocket; SSE when the session falls back. */
    const socketEvents = (socket: ResponsesSocket.Sockets, policy: ConfigService, body: Record<string, unknown>) =>
      Stream.asyncScoped<ResponseStreamEvent, CodexError | ResponsesSocket.FallBack>(
        (emit) =>
          Effect.forkScoped(
            socket.run(policy, body, (events) => void emit.chunk(Chunk.unsafeFromArray(events))).pipe(
              Effect.onExit((exit) =>
                Exit.isInterrupted(exit)
                  ? Effect.void
                  : Effect.promise(() => Exit.isSuccess(exit) ? emit.end() : emit.halt(exit.cause))
              )
            )
          ),
        "unbounded"
      ).pipe(
        Stream.catchAll((error) =>
          error instanceof ResponsesSocket.FallBack ? Stream.unwrap(sseEvents(body)) : Stream.fail(error)
        )
      )

    const stream = (params: CreateParams): Stream.Stream<ResponseStreamEvent, CodexError> => {
      const deadline = config.requestDeadline
      const opened = Effect.flatMap(prepare(params, true), (body) =>
        sockets === undefined
          ? sseEvents(body)
          : Effect.flatMap(withCurrentCallPolicy(config), (policy) =>
            Effect.flatMap(viaSocket(policy, body), (socket) =>
              socket ? Effect.succeed(socketEvents(sockets, policy, body)) : sseEvents(body))))
      // The deadline runs from the start, opening included.
      const bounded = deadline === undefined
        ? opened
        : Effect.succeed(Stream.interruptWhen(Stream.unwrap(opened), streamDeadline(deadline)))
      // One `Stream.unwrap` on the usual path; the span (only under a real tracer) wraps the opening too.
      return Stream.unwrap(
        Effect.tracerWith((tracer) =>
          tracer === defaultTracer
            ? bounded
            : Effect.succeed(Stream.withSpan(Stream.unwrap(bounded), "Responses.stream"))
        )
      )
    }

    /** Reads the whole reply into the collector: no per-event stream machinery on this path. */
    const collectOnce = (body: Readonly<Record<string, unknown>>, headers?: Readonly<Record<string, string>>) =>
      Effect.flatMap(
        open(body, headers),
        (response) =>
          ResponseCollector.fold((push) => drain(response, readOptions, push)).pipe(Effect.mapError(midStream))
      )

    const unwrapMidStream = (
      error: CodexError | MidStream
    ): CodexError => (error instanceof MidStream ? error.error : error)
    const retryMidStream = (error: CodexError | MidStream) =>
      error instanceof MidStream && isRetryable(error.error) ? error.error : undefined
    const spanCreate = withSpan("Responses.create")

    /** One response over the WebSocket, folded; failures after its first event are `MidStream`. */
    const collectSocket = (socket: ResponsesSocket.Sockets, policy: ConfigService, body: Record<string, unknown>) =>
      Effect.suspend(() => {
        let started = false
        return ResponseCollector.fold((push) =>
          socket.run(policy, body, (events) => {
            started = true
            push(events)
          })
        ).pipe(
          Effect.mapError((
            error
          ) => (started && !(error instanceof ResponsesSocket.FallBack) ? midStream(error) : error))
        )
      })

    /**
     * Retries of the whole request after the stream broke: `send` already retried what failed
     * before the first byte, so only mid-stream failures are retried here. A request with its
     * own headers (compaction, §8.0) always travels over SSE: a WebSocket frame carries none.
     */
    const collect = (body: Record<string, unknown>, headers?: Readonly<Record<string, string>>) =>
      Effect.flatMap(withCurrentCallPolicy(config), (policy) => {
        const overSse = withRetries(
          () => redoSchedule(policy),
          responsesEndpoint,
          collectOnce(body, headers),
          retryMidStream
        ).pipe(
          Effect.mapError(unwrapMidStream)
        )
        if (sockets === undefined || headers !== undefined) {
          return overSse
        }
        return Effect.flatMap(viaSocket(policy, body), (socket) =>
          socket
            ? withRetries(
              () => redoSchedule(policy),
              responsesEndpoint,
              collectSocket(sockets, policy, body),
              (error) => error instanceof ResponsesSocket.FallBack ? undefined : retryMidStream(error)
            ).pipe(
              Effect.catchAll((error) =>
                error instanceof ResponsesSocket.FallBack ? overSse : Effect.fail(unwrapMidStream(error))
              )
            )
            : overSse)
      })

    const create = (params: CreateParams): Effect.Effect<Response, CodexError> =>
      Effect.flatMap(prepare(params, false), (body) => collect(body)).pipe(
        withDeadline(config, responsesEndpoint),
        spanCreate
      )

    const compactWith = (via: CompactVia, params: CompactParams) =>
      via === "trigger" ? compactByTrigger(params) : compactLegacy(params)
    const compact = (params: CompactParams) => {
      const first = config.compactVia
      return compactWith(first, params).pipe(
        Effect.catchTag("NotFound", () => compactWith(first === "trigger" ? "legacy" : "trigger", params)),
        withDeadline(config, first === "trigger" ? responsesEndpoint : compactEndpoint),
        withSpan("Responses.compact")
      )
    }

    /** §8.0: the history plus a final `compaction_trigger`, over `/responses`, collected. */
    const compactByTrigger = Effect.fnUntraced(function*(params: CompactParams) {
      const prepared = yield* responsesBody(params, bodyOptions(responsesEndpoint))
      const input = Array.isArray(prepared["input"]) ? prepared["input"] : []
      const body = { ...prepared, include: ["reasoning.encrypted_content"], input: [...input, compactionTrigger] }
      const response = yield* collect(body, triggerHeaders)
      const compactions = response.output.filter(isCompaction)
      if (compactions.length !== 1) {
        return yield* new DecodeError({
          detail:
            `a compaction reply holds exactly one compaction item, this one held ${compactions.length} (response ${response.id})`
        })
      }
      return yield* Effect.mapError(
        Schema.decodeUnknown(CompactedResponse)({
          id: response.id,
          object: "response.compacted",
          output: [...input.filter(keptByCompaction), ...compactions],
          usage: response.usage
        }),
        (error) => new DecodeError({ detail: `unexpected compaction reply: ${error.message}` })
      )
    })

    /** §8.1: the legacy route, a synchronous JSON reply. */
    const compactLegacy = Effect.fnUntraced(function*(params: CompactParams) {
      const body = yield* compactBody(params, bodyOptions(compactEndpoint))
      const response = yield* backend.send({
        endpoint: compactEndpoint,
        url: compactUrl,
        method: "POST",
        body,
        accept: "application/json",
        headers: sessionHeaders(body),
        model: modelOf(body)
      })
      return yield* readDecoded({ endpoint: compactEndpoint }, response, config.maxEventBytes, CompactedResponse)
    })

    const prewarm = (params: CreateParams): Effect.Effect<void, CodexError> =>
      Effect.flatMap(
        prepare(params, false),
        (body) =>
          Effect.flatMap(withCurrentCallPolicy(config), (policy) =>
            sockets === undefined ? Effect.void : Effect.flatMap(viaSocket(policy, body), (socket) =>
              socket
                ? Effect.catchAll(
                  sockets.run(policy, { ...body, generate: false }, () => {}),
                  (error) => (error instanceof ResponsesSocket.FallBack ? Effect.void : Effect.fail(error))
                )
                : Effect.void))
      ).pipe(withDeadline(config, responsesEndpoint), withSpan("Responses.prewarm"))

    return Responses.of({ create, stream, prewarm, compact, parse: parseFromCreate(create) })
  }
)

/**
 * Marks an error that happened after the stream started, so the whole-request retry of
 * `create` never repeats the retries `send` already made.
 */
class MidStream {
  constructor(readonly error: CodexError) {}
}
const midStream = (error: CodexError) => new MidStream(error)

/**
 * The live service. Requires configuration, credentials and an HTTP client, which
 * `CodexClient.layer` provides.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Responses, never, CodexConfig | CodexAuth | CodexTransport> = Layer.scoped(
  Responses,
  make
)

/**
 * A test double: each method answers from the given partial implementation, and fails
 * with a defect when called without one (`prewarm` does nothing). `parse` defaults to the given `create` (see
 * {@link parseFromCreate}).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTest = (impl: Partial<Service>): Layer.Layer<Responses> =>
  Layer.succeed(
    Responses,
    Responses.of({
      create: () => Effect.dieMessage("Responses.create is not implemented by this test layer"),
      stream: () => Stream.dieMessage("Responses.stream is not implemented by this test layer"),
      prewarm: () => Effect.void,
      compact: () => Effect.dieMessage("Responses.compact is not implemented by this test layer"),
      parse: parseFromCreate(
        impl.create ?? (() => Effect.dieMessage("Responses.create is not implemented by this test layer"))
      ),
      ...impl
    })
  )

/**
 * A `create` built on a `stream` implementation, for test doubles that script events:
 * the same fold the live service uses.
 *
 * @since 0.1.0
 * @category constructors
 */
export const createFromStream = (
  stream: Service["stream"]
): Service["create"] =>
(params) => ResponseCollector.collect(stream(params))

/**
 * The refusal text of a response's messages, if the model refused.
 *
 * @internal
 */
export const refusalOf = (response: Response): string | undefined => {
  const refusals: Array<string> = []
  for (const item of response.output) {
    if (item.type !== "message" || !Array.isArray(item["content"])) continue
    for (const part of item["content"]) {
      if (part.type === "refusal" && typeof part["refusal"] === "string") refusals.push(part["refusal"])
    }
  }
  return refusals.length === 0 ? undefined : refusals.join("\n")
}

/**
 * A `parse` built on a `create` implementation: the schema becomes a strict `text.format`,
 * the collected answer is decoded into `output_parsed`. The live service and `layerTest`
 * use it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const parseFromCreate = (create: Service["create"]): Service["parse"] =>
  Effect.fn("Responses.parse")(function*<A, I, R>(schema: Schema.Schema<A, I, R>, params: ParseParams) {
    const { name, description, strict, text, ...rest } = params
    const output = yield* StructuredOutput.make(schema, { name, description, strict })
    const response = yield* create({ ...rest, text: { ...text, format: output.format } })
    const refusal = refusalOf(response)
    if (refusal !== undefined) return yield* new ModelRefusal({ refusal, response })
    const parsed = yield* Effect.mapError(
      output.decode(response.output_text),
      (error) =>
        new OutputMismatch({
          schemaName: error.schemaName,
          text: error.text,
          issue: error.issue,
          cause: error.cause,
          response
        })
    )
    const result: ParsedResponse<A> = { ...response, output_parsed: parsed }
    return result
  })
