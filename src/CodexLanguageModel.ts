/**
 * A provider for `@effect/ai` 0.37: its `LanguageModel` service over `Responses.stream`, so
 * an `@effect/ai` application runs on a ChatGPT plan by swapping one layer.
 *
 * `@effect/ai` is an optional peer dependency: only this module loads it, and the core
 * (`codex-backend-sdk`) does not import this module. Import it by its own path,
 * `codex-backend-sdk/CodexLanguageModel`.
 *
 * - System messages become `instructions` (joined with blank lines); user, assistant and
 *   tool messages become input items (text, images, replayed reasoning with its
 *   `encrypted_content`, `function_call`s and `function_call_output`s).
 * - A toolkit's tools become strict function tools (`StructuredOutput`), `toolChoice`
 *   becomes `tool_choice`; `generateObject`'s schema becomes a strict `text.format`. The
 *   `null`s strict mode sends for absent optional properties are removed before
 *   `@effect/ai` decodes the tool parameters or the object.
 * - Reasoning summaries become reasoning parts (with `itemId` and `encryptedContent` in
 *   `metadata.codex`), usage and finish reasons come from the terminal event.
 * - Provider options the backend takes (`reasoning`, `text.verbosity`,
 *   `prompt_cache_key`, `service_tier`, `include`, `parallel_tool_calls`, `instructions`)
 *   are set with `layer({ model, config })` or {@link withConfigOverride}.
 *
 * Errors are mapped into `AiError`: what the SDK rejects before sending or the backend
 * rejects as malformed (`UnsupportedParameter`, `InvalidParameter`, `InvalidRequest`,
 * `ModelNotAvailable`, `InvalidImage`) is a `MalformedInput`; an undecodable reply a
 * `MalformedOutput`; anything else an `UnknownError`. The SDK's error is always the
 * `cause`, so `RateLimited`'s `resetsAt` and the like stay reachable.
 *
 * @since 0.1.0
 */
import * as AiError from "@effect/ai/AiError"
import * as LanguageModel from "@effect/ai/LanguageModel"
import * as AiModel from "@effect/ai/Model"
import type * as Prompt from "@effect/ai/Prompt"
import type * as AiResponse from "@effect/ai/Response"
import * as Tool from "@effect/ai/Tool"
import { Context, DateTime, Effect, Encoding, Layer, Schema, Stream } from "effect"
import { dual } from "effect/Function"
import type { CodexError } from "./CodexError.js"
import type { OutputItem, Response, ResponseSnapshot, Usage } from "./Response.js"
import type { CreateParams, InputContent, InputItem, ToolChoice } from "./Responses.js"
import { Responses } from "./Responses.js"
import type { ResponseStreamEvent } from "./ResponseStreamEvent.js"
import * as StructuredOutput from "./StructuredOutput.js"

const moduleName = "CodexLanguageModel"

/**
 * The provider options: the request fields the backend takes (besides `input`, `tools`,
 * `tool_choice` and `text.format`, which come from the prompt), and `strict` (default
 * `true`) for tool and object schemas.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConfigOptions
  extends Partial<Omit<CreateParams, "input" | "tools" | "tool_choice" | "stream" | "text">>
{
  readonly text?: { readonly verbosity?: "low" | "medium" | "high" }
  readonly strict?: boolean
}

/**
 * Provider options for the requests made inside an effect (see {@link withConfigOverride}).
 *
 * @since 0.1.0
 * @category context
 */
export class Config extends Context.Tag("codex-backend-sdk/CodexLanguageModel/Config")<Config, ConfigOptions>() {}

/**
 * Overrides the provider options for the requests made inside an effect.
 *
 * @example
 * ```ts
 * import { LanguageModel } from "@effect/ai"
 * import * as CodexLanguageModel from "codex-backend-sdk/CodexLanguageModel"
 *
 * const careful = LanguageModel.generateText({ prompt: "Prove it." }).pipe(
 *   CodexLanguageModel.withConfigOverride({ reasoning: { effort: "high", summary: "auto" } })
 * )
 * ```
 *
 * @since 0.1.0
 * @category configuration
 */
export const withConfigOverride: {
  (overrides: ConfigOptions): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, overrides: ConfigOptions): Effect.Effect<A, E, R>
} = dual(
  2,
  <A, E, R>(self: Effect.Effect<A, E, R>, overrides: ConfigOptions): Effect.Effect<A, E, R> =>
    Effect.flatMap(
      Effect.serviceOption(Config),
      (current) =>
        Effect.provideService(self, Config, { ...(current._tag === "Some" ? current.value : {}), ...overrides })
    )
)

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

/**
 * An SDK error as `@effect/ai` expects it: `MalformedInput` for a request the SDK or the
 * backend rejects, `MalformedOutput` for an undecodable reply, `UnknownError` otherwise;
 * the SDK's error is the `cause`.
 *
 * @since 0.1.0
 * @category errors
 */
export const toAiError = (method: string) => (error: CodexError): AiError.AiError => {
  const fields = { module: moduleName, method, description: error.message, cause: error }
  switch (error._tag) {
    case "UnsupportedParameter":
    case "InvalidParameter":
    case "InvalidRequest":
    case "InvalidImage":
    case "ModelNotAvailable":
      return new AiError.MalformedInput(fields)
    case "DecodeError":
    case "OutputMismatch":
      return new AiError.MalformedOutput(fields)
    default:
      return new AiError.UnknownError(fields)
  }
}

const malformedInput = (method: string, description: string) =>
  new AiError.MalformedInput({ module: moduleName, method, description })

// ---------------------------------------------------------------------------------------
// Prompt → request
// ---------------------------------------------------------------------------------------

const codexOptions = (options: Prompt.ProviderOptions): Readonly<Record<string, unknown>> => options["codex"] ?? {}

const imageUrl = (part: Prompt.FilePart): string => {
  const mediaType = part.mediaType === "image/*" ? "image/jpeg" : part.mediaType
  if (part.data instanceof URL) return part.data.toString()
  if (part.data instanceof Uint8Array) return `data:${mediaType};base64,${Encoding.encodeBase64(part.data)}`
  return /^(https?:|data:)/.test(part.data) ? part.data : `data:${mediaType};base64,${part.data}`
}

const outputOf = (result: unknown): string => (typeof result === "string" ? result : JSON.stringify(result) ?? "")

interface PreparedInput {
  readonly instructions: ReadonlyArray<string>
  readonly input: ReadonlyArray<InputItem>
}

const prepareInput = (prompt: Prompt.Prompt): Effect.Effect<PreparedInput, AiError.AiError> =>
  Effect.suspend(() => {
    const instructions: Array<string> = []
    const input: Array<InputItem> = []
    for (const message of prompt.content) {
      switch (message.role) {
        case "system":
          instructions.push(message.content)
          break
        case "user": {
          const content: Array<InputContent> = []
          for (const part of message.content) {
            if (part.type === "text") content.push({ type: "input_text", text: part.text })
            else if (part.mediaType.startsWith("image/")) {
              const detail = codexOptions(part.options)["imageDetail"]
              content.push({
                type: "input_image",
                image_url: imageUrl(part),
                ...(typeof detail === "string" ? { detail } : {})
              })
            } else {
              return Effect.fail(
                malformedInput(
                  "prepareInput",
                  `the Codex backend takes images only; got a file of type ${part.mediaType}`
                )
              )
            }
          }
          input.push({ type: "message", role: "user", content })
          break
        }
        case "assistant": {
          const reasoning = new Map<string, { summary: Array<{ type: "summary_text"; text: string }> }>()
          for (const part of message.content) {
            switch (part.type) {
              case "text":
                input.push({
                  type: "message",
                  role: "assistant",
                  content: [{ type: "output_text", text: part.text, annotations: [] }]
                })
                break
              case "reasoning": {
                // Reasoning is only replayable with its encrypted content (the backend stores nothing).
                const options = codexOptions(part.options)
                const encrypted = options["encryptedContent"]
                const itemId = typeof options["itemId"] === "string" ? options["itemId"] : undefined
                const existing = itemId === undefined ? undefined : reasoning.get(itemId)
                if (existing !== undefined) {
                  if (part.text !== "") existing.summary.push({ type: "summary_text", text: part.text })
                } else if (typeof encrypted === "string") {
                  const item = {
                    type: "reasoning",
                    summary: part.text === "" ? [] : [{ type: "summary_text" as const, text: part.text }],
                    encrypted_content: encrypted
                  }
                  if (itemId !== undefined) reasoning.set(itemId, item)
                  input.push(item)
                }
                break
              }
              case "tool-call":
                if (!part.providerExecuted) {
                  input.push({
                    type: "function_call",
                    call_id: part.id,
                    name: part.name,
                    arguments: JSON.stringify(part.params ?? {})
                  })
                }
                break
              default:
                break
            }
          }
          break
        }
        case "tool":
          for (const part of message.content) {
            input.push({ type: "function_call_output", call_id: part.id, output: outputOf(part.result) })
          }
          break
      }
    }
    return Effect.succeed({ instructions, input })
  })

interface PreparedTools {
  readonly tools: ReadonlyArray<{
    readonly type: "function"
    readonly name: string
    readonly description?: string
    readonly parameters: Readonly<Record<string, unknown>>
    readonly strict: boolean
  }>
  readonly toolChoice: ToolChoice | undefined
  /** Removes the `null`s strict mode sends for absent optional parameters, per tool. */
  readonly normalizers: ReadonlyMap<string, (params: unknown) => unknown>
}

const prepareTools = (
  options: LanguageModel.ProviderOptions,
  strict: boolean
): Effect.Effect<PreparedTools, AiError.AiError> =>
  Effect.gen(function*() {
    if (options.tools.length === 0) return { tools: [], toolChoice: undefined, normalizers: new Map() }
    const tools: Array<PreparedTools["tools"][number]> = []
    const normalizers = new Map<string, (params: unknown) => unknown>()
    for (const tool of options.tools) {
      if (!Tool.isUserDefined(tool)) {
        return yield* malformedInput(
          "prepareTools",
          `provider-defined tools are not supported by the Codex provider (${tool.name})`
        )
      }
      const schema = Schema.make(tool.parametersSchema.ast)
      const output = yield* Effect.mapError(
        StructuredOutput.make(schema, { name: tool.name, strict }),
        toAiError("prepareTools")
      )
      const description = tool.description ?? Tool.getDescriptionFromSchemaAst(tool.parametersSchema.ast)
      tools.push({
        type: "function",
        name: tool.name,
        ...(description === undefined ? {} : { description }),
        parameters: output.jsonSchema,
        strict: output.strict
      })
      normalizers.set(tool.name, output.normalize)
    }
    const choice = options.toolChoice
    const toolChoice: ToolChoice = typeof choice === "string"
      ? choice
      : "tool" in choice
      ? { type: "function", name: choice.tool }
      : choice.mode === "required"
      ? "required"
      : "auto"
    return { tools, toolChoice, normalizers }
  })

interface Prepared {
  readonly params: CreateParams
  readonly tools: PreparedTools
  /** Normalises the text of a structured answer (`generateObject`). */
  readonly normalizeObject: ((text: string) => string) | undefined
}

const normalizeText = (normalize: (json: unknown) => unknown) => (text: string): string => {
  try {
    return JSON.stringify(normalize(JSON.parse(text)))
  } catch {
    return text
  }
}

const makeRequest = (
  model: string,
  base: ConfigOptions,
  options: LanguageModel.ProviderOptions
): Effect.Effect<Prepared, AiError.AiError> =>
  Effect.gen(function*() {
    const override = yield* Effect.serviceOption(Config)
    const { instructions, strict, text, ...config }: ConfigOptions = {
      ...base,
      ...(override._tag === "Some" ? override.value : {})
    }
    const prompt = yield* prepareInput(options.prompt)
    const tools = yield* prepareTools(options, strict ?? true)
    let format: StructuredOutput.StructuredOutput<unknown, unknown, unknown> | undefined
    if (options.responseFormat.type === "json") {
      const schema = Schema.make(options.responseFormat.schema.ast)
      // `@effect/ai` names an unnamed object "generateObject"; the schema's identifier is a better name.
      const objectName = options.responseFormat.objectName
      const name = objectName === "generateObject"
        ? StructuredOutput.nameOf(schema) ?? objectName
        : sanitizeName(objectName)
      format = yield* Effect.mapError(
        StructuredOutput.make(schema, { name, strict: strict ?? true }),
        toAiError("prepareResponseFormat")
      )
    }
    const allInstructions = [...(instructions === undefined ? [] : [instructions]), ...prompt.instructions].join("\n\n")
    const textParam = format === undefined ? text : { ...text, format: format.format }
    const params: CreateParams = {
      model,
      ...config,
      instructions: allInstructions,
      input: prompt.input,
      ...(tools.tools.length === 0 ? {} : { tools: tools.tools }),
      ...(tools.toolChoice === undefined ? {} : { tool_choice: tools.toolChoice }),
      ...(textParam === undefined ? {} : { text: textParam })
    }
    return { params, tools, normalizeObject: format === undefined ? undefined : normalizeText(format.normalize) }
  })

const sanitizeName = (name: string): string => {
  const cleaned = name.replace(/[^a-zA-Z0-9_-]+/g, "_").slice(0, 64)
  return cleaned === "" ? "output" : cleaned
}

// ---------------------------------------------------------------------------------------
// Response → parts
// ---------------------------------------------------------------------------------------

const usageOf = (usage: Usage | null | undefined): AiResponse.FinishPartEncoded["usage"] => ({
  inputTokens: usage?.input_tokens,
  outputTokens: usage?.output_tokens,
  totalTokens: usage?.total_tokens,
  ...(usage?.output_tokens_details?.reasoning_tokens === undefined
    ? {}
    : { reasoningTokens: usage.output_tokens_details.reasoning_tokens }),
  ...(usage?.input_tokens_details?.cached_tokens === undefined
    ? {}
    : { cachedInputTokens: usage.input_tokens_details.cached_tokens })
})

const finishReason = (
  state: { readonly toolCalls: boolean; readonly refused: boolean },
  incomplete: string | undefined
): AiResponse.FinishReason => {
  if (incomplete !== undefined) {
    return incomplete === "max_output_tokens" ? "length" : incomplete === "content_filter" ? "content-filter" : "other"
  }
  if (state.refused) return "content-filter"
  return state.toolCalls ? "tool-calls" : "stop"
}

const metadataPart = (snapshot: ResponseSnapshot): AiResponse.ResponseMetadataPartEncoded => ({
  type: "response-metadata",
  id: snapshot.id,
  ...(snapshot.model === undefined ? {} : { modelId: snapshot.model }),
  ...(snapshot.created_at === undefined
    ? {}
    : { timestamp: DateTime.formatIso(DateTime.unsafeMake(snapshot.created_at * 1000)) })
})

const finishPart = (
  snapshot: ResponseSnapshot,
  state: { readonly toolCalls: boolean; readonly refused: boolean },
  incomplete: string | undefined
): AiResponse.FinishPartEncoded => ({
  type: "finish",
  reason: finishReason(state, incomplete),
  usage: usageOf(snapshot.usage),
  metadata: { codex: { serviceTier: snapshot["service_tier"] } }
})

const parseParams = (
  method: string,
  tools: PreparedTools,
  name: string,
  args: string
): Effect.Effect<unknown, AiError.AiError> =>
  Effect.try({
    try: () => {
      const params = Tool.unsafeSecureJsonParse(args === "" ? "{}" : args)
      const normalize = tools.normalizers.get(name)
      return normalize === undefined ? params : normalize(params)
    },
    catch: (cause) =>
      new AiError.MalformedOutput({
        module: moduleName,
        method,
        description: `the arguments of the call of ${name} are not valid JSON: ${args}`,
        cause
      })
  })

const reasoningMetadata = (item: OutputItem) => ({
  codex: {
    itemId: item["id"],
    encryptedContent: typeof item["encrypted_content"] === "string" ? item["encrypted_content"] : undefined
  }
})

const makeParts = (
  response: Response,
  prepared: Prepared,
  incomplete: string | undefined
): Effect.Effect<Array<AiResponse.PartEncoded>, AiError.AiError> =>
  Effect.gen(function*() {
    const parts: Array<AiResponse.PartEncoded> = [metadataPart(response)]
    const state = { toolCalls: false, refused: false }
    let structuredPlaced = false
    for (const item of response.output) {
      switch (item.type) {
        case "message": {
          for (const part of Array.isArray(item["content"]) ? item["content"] : []) {
            if (part.type === "output_text" && typeof part["text"] === "string") {
              if (prepared.normalizeObject !== undefined) {
                // One text part holding the whole normalised object (it may span several parts).
                if (!structuredPlaced) {
                  parts.push({ type: "text", text: prepared.normalizeObject(response.output_text) })
                }
                structuredPlaced = true
              } else parts.push({ type: "text", text: part["text"], metadata: { codex: { itemId: item["id"] } } })
            } else if (part.type === "refusal") {
              state.refused = true
              parts.push({
                type: "text",
                text: "",
                metadata: { codex: { itemId: item["id"], refusal: part["refusal"] } }
              })
            }
          }
          break
        }
        case "reasoning": {
          const summary = Array.isArray(item["summary"]) ? item["summary"] : []
          const metadata = reasoningMetadata(item)
          if (summary.length === 0) parts.push({ type: "reasoning", text: "", metadata })
          for (const part of summary) {
            parts.push({ type: "reasoning", text: typeof part.text === "string" ? part.text : "", metadata })
          }
          break
        }
        case "function_call": {
          state.toolCalls = true
          const name = String(item["name"])
          parts.push({
            type: "tool-call",
            id: String(item["call_id"]),
            name,
            params: yield* parseParams("generateText", prepared.tools, name, String(item["arguments"])),
            metadata: { codex: { itemId: item["id"] } }
          })
          break
        }
        default:
          break
      }
    }
    parts.push(finishPart(response, state, incomplete))
    return parts
  })

/** The stateful mapping of one stream's events to `@effect/ai` stream parts. */
const streamMapper = (prepared: Prepared) => {
  const state = { toolCalls: false, refused: false }
  const texts = new Set<string>()
  const reasoning = new Map<string, Array<number>>()
  const calls = new Map<number, { readonly id: string; readonly name: string }>()
  const messageId = (id: unknown, index: number) => (typeof id === "string" ? id : `msg_${index}`)

  return (event: ResponseStreamEvent): Effect.Effect<Array<AiResponse.StreamPartEncoded>, AiError.AiError> =>
    Effect.gen(function*() {
      const parts: Array<AiResponse.StreamPartEncoded> = []
      switch (event.type) {
        case "response.created":
          parts.push(metadataPart(event.response))
          break
        case "response.output_item.added": {
          const item = event.item
          if (item.type === "message") {
            const id = messageId(item["id"], event.output_index)
            texts.add(id)
            parts.push({ type: "text-start", id })
          } else if (item.type === "reasoning") {
            const id = String(item["id"] ?? `rs_${event.output_index}`)
            reasoning.set(id, [0])
            parts.push({ type: "reasoning-start", id: `${id}:0`, metadata: reasoningMetadata(item) })
          } else if (item.type === "function_call") {
            const call = { id: String(item["call_id"]), name: String(item["name"]) }
            calls.set(event.output_index, call)
            parts.push({ type: "tool-params-start", id: call.id, name: call.name })
          }
          break
        }
        case "response.output_text.delta":
          parts.push({ type: "text-delta", id: event.item_id, delta: event.delta })
          break
        case "response.reasoning_summary_part.added":
          if (event.summary_index > 0) {
            reasoning.get(event.item_id)?.push(event.summary_index)
            parts.push({ type: "reasoning-start", id: `${event.item_id}:${event.summary_index}` })
          }
          break
        case "response.reasoning_summary_text.delta":
          parts.push({ type: "reasoning-delta", id: `${event.item_id}:${event.summary_index}`, delta: event.delta })
          break
        case "response.function_call_arguments.delta": {
          const call = calls.get(event.output_index)
          if (call !== undefined) parts.push({ type: "tool-params-delta", id: call.id, delta: event.delta })
          break
        }
        case "response.output_item.done": {
          const item = event.item
          if (item.type === "message") {
            const id = messageId(item["id"], event.output_index)
            const content = Array.isArray(item["content"]) ? item["content"] : []
            if (content.some((part) => part.type === "refusal")) state.refused = true
            if (!texts.has(id)) {
              // Only the final item arrived: its text in one delta.
              const text = content.map((
                part
              ) => (part.type === "output_text" && typeof part["text"] === "string" ? part["text"] : "")).join("")
              parts.push(
                { type: "text-start", id },
                ...(text === "" ? [] : [{ type: "text-delta" as const, id, delta: text }])
              )
            }
            texts.delete(id)
            parts.push({ type: "text-end", id })
          } else if (item.type === "reasoning") {
            const id = String(item["id"] ?? `rs_${event.output_index}`)
            const metadata = reasoningMetadata(item)
            const indexes = reasoning.get(id)
            if (indexes === undefined) {
              const summary = Array.isArray(item["summary"]) ? item["summary"] : []
              summary.forEach((part, i) => {
                parts.push(
                  { type: "reasoning-start", id: `${id}:${i}` },
                  { type: "reasoning-delta", id: `${id}:${i}`, delta: typeof part.text === "string" ? part.text : "" }
                )
              })
              for (let i = 0; i < summary.length; i++) parts.push({ type: "reasoning-end", id: `${id}:${i}`, metadata })
            } else {
              for (const index of indexes) parts.push({ type: "reasoning-end", id: `${id}:${index}`, metadata })
            }
            reasoning.delete(id)
          } else if (item.type === "function_call") {
            state.toolCalls = true
            const id = String(item["call_id"])
            const name = String(item["name"])
            if (calls.has(event.output_index)) parts.push({ type: "tool-params-end", id })
            else parts.push({ type: "tool-params-start", id, name }, { type: "tool-params-end", id })
            calls.delete(event.output_index)
            parts.push({
              type: "tool-call",
              id,
              name,
              params: yield* parseParams("streamText", prepared.tools, name, String(item["arguments"])),
              metadata: { codex: { itemId: item["id"] } }
            })
          }
          break
        }
        case "response.completed":
          parts.push(finishPart(event.response, state, undefined))
          break
        case "response.incomplete":
          parts.push(finishPart(event.response, state, event.response.incomplete_details?.reason ?? "unknown"))
          break
        default:
          break
      }
      return parts
    })
}

// ---------------------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------------------

/**
 * The options of {@link make} and {@link layer}: a model slug (see `/models`) and the
 * provider options.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly model: string
  readonly config?: ConfigOptions
}

/**
 * Builds `@effect/ai`'s `LanguageModel` over the `Responses` service.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<LanguageModel.Service, never, Responses> =>
  Effect.gen(function*() {
    const responses = yield* Responses
    const base = options.config ?? {}
    return yield* LanguageModel.make({
      generateText: (providerOptions) =>
        Effect.gen(function*() {
          const prepared = yield* makeRequest(options.model, base, providerOptions)
          const outcome = yield* responses.create(prepared.params).pipe(
            Effect.map((response) => ({ response, incomplete: undefined })),
            Effect.catchTag("ResponseIncomplete", (error) =>
              error.response === undefined
                ? Effect.fail(error)
                : Effect.succeed({ response: error.response, incomplete: error.reason })),
            Effect.mapError(toAiError("generateText"))
          )
          return yield* makeParts(outcome.response, prepared, outcome.incomplete)
        }).pipe(Effect.withSpan("CodexLanguageModel.generateText")),
      streamText: (providerOptions) =>
        Stream.unwrap(
          Effect.map(makeRequest(options.model, base, providerOptions), (prepared) => {
            const map = streamMapper(prepared)
            return responses.stream(prepared.params).pipe(
              // The terminal `response.incomplete` was mapped to a finish part; its error ends the stream.
              Stream.catchTag("ResponseIncomplete", () => Stream.empty),
              Stream.mapError(toAiError("streamText")),
              Stream.mapEffect(map),
              Stream.flattenIterables
            )
          })
        ).pipe(Stream.withSpan("CodexLanguageModel.streamText"))
    })
  })

/**
 * `@effect/ai`'s `LanguageModel` on the Codex backend. It needs only the `Responses`
 * service, which `CodexClient.layer` provides.
 *
 * @example
 * ```ts
 * import { LanguageModel } from "@effect/ai"
 * import { Effect } from "effect"
 * import { CodexClient } from "codex-backend-sdk"
 * import * as CodexLanguageModel from "codex-backend-sdk/CodexLanguageModel"
 *
 * const program = LanguageModel.generateText({ prompt: "Say PONG." }).pipe(
 *   Effect.map((response) => response.text),
 *   Effect.provide(CodexLanguageModel.layer({ model: "gpt-5.4" })),
 *   Effect.provide(CodexClient.layer)
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<LanguageModel.LanguageModel, never, Responses> =>
  Layer.effect(LanguageModel.LanguageModel, make(options))

/**
 * The provider as an `@effect/ai` `Model` (provider name `"codex"`), for `Effect.provide`
 * and `AiModel` plans.
 *
 * @since 0.1.0
 * @category constructors
 */
export const model = (
  model: string,
  config?: ConfigOptions
): AiModel.Model<"codex", LanguageModel.LanguageModel, Responses> =>
  AiModel.make("codex", layer({ model, ...(config === undefined ? {} : { config }) }))
