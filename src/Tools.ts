/**
 * Function tools declared with an `effect/Schema` and an Effect handler, and the loop that
 * runs them: `create` → decode each `function_call`'s arguments with its tool's schema →
 * run the handlers (in parallel up to `concurrency`) → send the outputs → repeat, until the
 * model answers without calling a tool or `maxSteps` requests were made.
 *
 * Arguments that are not JSON, do not fit the schema, or name an unknown tool do not fail
 * the loop: the model gets a `function_call_output` saying what was wrong and can call
 * again. A handler's failure does fail the loop (with the handler's error); to let the
 * model see a failure instead, turn it into an output (`Effect.catchAll`).
 *
 * Each step replays the response's items (the `function_call`s first, reasoning items
 * with their `encrypted_content`) followed by the `function_call_output`s, as protocol
 * §5.4.8 says; ids are stripped when sent.
 *
 * @since 0.1.0
 */
import { Effect, Stream } from "effect"
import type { Schema } from "effect"
import type { CodexError } from "./CodexError.js"
import { InvalidParameter, MaxStepsReached } from "./CodexError.js"
import type * as Conversation from "./Conversation.js"
import type { FunctionCall, OutputItem, Response } from "./Response.js"
import { functionCalls } from "./Response.js"
import * as ResponseCollector from "./ResponseCollector.js"
import { Responses } from "./Responses.js"
import type { CreateParams, FunctionCallOutput, InputItem } from "./Responses.js"
import type { ResponseStreamEvent } from "./ResponseStreamEvent.js"
import * as StructuredOutput from "./StructuredOutput.js"

/**
 * A function tool as sent in `tools`, with its handler ready to call.
 *
 * @since 0.1.0
 * @category models
 */
export interface Prepared<out E, out R> {
  readonly definition: {
    readonly type: "function"
    readonly name: string
    readonly description?: string
    readonly parameters: Readonly<Record<string, unknown>>
    readonly strict: boolean
  }
  /**
   * Decodes the raw `arguments` and runs the handler. Succeeds with the text of the
   * `function_call_output`, which says what was wrong when the arguments were bad.
   */
  readonly call: (args: string) => Effect.Effect<string, E, R>
}

/**
 * A function tool: a name, a `Schema` for its parameters, and an Effect handler. `E` and
 * `R` are the handler's error and requirements.
 *
 * @since 0.1.0
 * @category models
 */
export interface FunctionTool<out E = never, out R = never> {
  readonly _tag: "FunctionTool"
  readonly name: string
  readonly description: string | undefined
  /** Builds the strict JSON Schema; fails with `InvalidParameter` when the schema has none. */
  readonly prepare: Effect.Effect<Prepared<E, R>, InvalidParameter>
}

/**
 * Any function tool.
 *
 * @since 0.1.0
 * @category models
 */
export type Any = FunctionTool<unknown, unknown>

/**
 * The handler error of a tool (or of a union of tools).
 *
 * @since 0.1.0
 * @category models
 */
export type ToolError<T> = T extends FunctionTool<infer E, infer _R> ? E : never

/**
 * The handler requirements of a tool (or of a union of tools).
 *
 * @since 0.1.0
 * @category models
 */
export type ToolContext<T> = T extends FunctionTool<infer _E, infer R> ? R : never

const toolName = /^[a-zA-Z0-9_-]+$/

/** The text of a `function_call_output` for a handler's result. */
const outputText = (result: unknown): string => {
  if (typeof result === "string") return result
  if (result === undefined) return ""
  return JSON.stringify(result) ?? ""
}

/**
 * Declares a function tool. The parameters schema must describe an object (a `Struct` or
 * a `Class`); in strict mode (the default) optional properties are sent as nullable and a
 * `null` from the model is decoded as absent. The handler's result is sent as is when it
 * is a string, as JSON otherwise.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { Tools } from "codex-backend-sdk"
 *
 * const getWeather = Tools.make("get_weather", {
 *   description: "Get the current weather for a city.",
 *   parameters: Schema.Struct({ city: Schema.String, unit: Schema.optional(Schema.Literal("celsius", "fahrenheit")) }),
 *   handler: ({ city, unit }) => Effect.succeed({ city, temperature: 18, unit: unit ?? "celsius" })
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <A, I, RP = never, E = never, R = never>(
  name: string,
  options: {
    readonly description?: string | undefined
    readonly parameters: Schema.Schema<A, I, RP>
    readonly handler: (args: A) => Effect.Effect<unknown, E, R>
    /** Strict mode (default `true`): the backend constrains the arguments to the schema. */
    readonly strict?: boolean | undefined
  }
): FunctionTool<E, R | RP> => {
  const description = options.description
  const prepare = Effect.gen(function*() {
    if (!toolName.test(name)) {
      return yield* new InvalidParameter({
        parameter: "tools",
        detail: `a tool name must match ^[a-zA-Z0-9_-]+$, got ${JSON.stringify(name)}`
      })
    }
    const output = yield* StructuredOutput.make(options.parameters, { name, strict: options.strict })
    if (output.wrapped) {
      return yield* new InvalidParameter({
        parameter: "tools",
        detail: `the parameters of ${name} must be an object schema (a Struct or a Class)`
      })
    }
    const call = (args: string): Effect.Effect<string, E, R | RP> =>
      output.decode(args === "" ? "{}" : args).pipe(
        Effect.matchEffect({
          onFailure: (mismatch) =>
            Effect.succeed(
              mismatch.issue.startsWith("not valid JSON")
                ? `Error: the arguments of ${name} are ${mismatch.issue}. Call ${name} again with a JSON object that fits its parameters.`
                : `Error: invalid arguments for ${name}:\n${mismatch.issue}\nCall ${name} again with arguments that fit its parameters.`
            ),
          onSuccess: (decoded) => Effect.map(options.handler(decoded), outputText)
        })
      )
    const prepared: Prepared<E, R | RP> = {
      definition: {
        type: "function",
        name,
        ...(description === undefined ? {} : { description }),
        parameters: output.jsonSchema,
        strict: output.strict
      },
      call
    }
    return prepared
  })
  return { _tag: "FunctionTool", name, description, prepare }
}

/**
 * The options of {@link run} and {@link stream}: the parameters of `create` (without
 * `tools` and `stream`), the tools, `maxSteps` (requests, default 10) and `concurrency`
 * (handlers run at once, default `"unbounded"`).
 *
 * @since 0.1.0
 * @category models
 */
export interface RunOptions<T extends ReadonlyArray<Any>> extends Omit<CreateParams, "tools" | "stream"> {
  readonly tools: T
  readonly maxSteps?: number | undefined
  readonly concurrency?: number | "unbounded" | undefined
  /**
   * Run the loop as turns of this conversation (`run` only): each step sends only its new
   * items (the input, then the tool outputs) with these tools, the conversation keeps
   * the history, compacts when it must, and the result's `items` is its history. The
   * conversation's own settings (model, instructions...) apply; the request fields here do not.
   */
  readonly conversation?: Conversation.Conversation | undefined
}

/**
 * The outcome of a loop: the final `Response` (the answer), the whole item history
 * (input, every response's items, every tool output: replay it to go on, or compact it),
 * and the number of requests made.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunResult {
  readonly response: Response
  readonly items: ReadonlyArray<InputItem>
  readonly steps: number
}

/** Reasoning items are only worth replaying with their encrypted content. */
const replayable = (item: OutputItem): boolean =>
  item.type !== "reasoning" || (typeof item["encrypted_content"] === "string" && item["encrypted_content"] !== "")

const initialItems = (input: CreateParams["input"]): Array<InputItem> =>
  typeof input === "string" ? [{ type: "message", role: "user", content: input }] : [...input]

interface Loop<E, R> {
  readonly params: CreateParams
  readonly maxSteps: number
  readonly concurrency: number | "unbounded"
  readonly runCalls: (calls: ReadonlyArray<FunctionCall>) => Effect.Effect<Array<FunctionCallOutput>, E, R>
}

const prepareLoop = <T extends ReadonlyArray<Any>>(
  options: RunOptions<T>
): Effect.Effect<Loop<ToolError<T[number]>, ToolContext<T[number]>>, InvalidParameter> =>
  Effect.gen(function*() {
    const { concurrency = "unbounded", maxSteps = 10, tools, ...params } = options
    if (!Number.isInteger(maxSteps) || maxSteps < 1) {
      return yield* new InvalidParameter({
        parameter: "maxSteps",
        detail: `must be a positive integer, got ${maxSteps}`
      })
    }
    // Each tool's error and requirements are in T's union: the casts only widen a tool to the union.
    const prepared = yield* Effect.forEach(
      tools,
      (tool) => tool.prepare as Effect.Effect<Prepared<ToolError<T[number]>, ToolContext<T[number]>>, InvalidParameter>
    )
    const names = new Set<string>()
    for (const tool of prepared) {
      if (names.has(tool.definition.name)) {
        return yield* new InvalidParameter({
          parameter: "tools",
          detail: `two tools are named ${tool.definition.name}`
        })
      }
      names.add(tool.definition.name)
    }
    const byName = new Map(prepared.map((tool) => [tool.definition.name, tool]))
    const available = [...byName.keys()].join(", ")
    const runCall = (call: FunctionCall) => {
      const tool = byName.get(call.name)
      const output = tool === undefined
        ? Effect.succeed(`Error: there is no tool named ${call.name}. Available tools: ${available}.`)
        : tool.call(call.arguments)
      return Effect.map(
        output,
        (text): FunctionCallOutput => ({ type: "function_call_output", call_id: call.call_id, output: text })
      )
    }
    return {
      params: { ...params, tools: prepared.map((tool) => tool.definition) },
      maxSteps,
      concurrency,
      runCalls: (calls) => Effect.forEach(calls, runCall, { concurrency })
    }
  })

/** The loop as turns of a conversation: each step sends only its new items. */
const runInConversation = <E, R>(
  conversation: Conversation.Conversation,
  loop: Loop<E, R>,
  input: CreateParams["input"]
) =>
  Effect.gen(function*() {
    const turn = {
      tools: loop.params.tools ?? [],
      ...(loop.params.tool_choice === undefined ? {} : { tool_choice: loop.params.tool_choice })
    }
    let next: Conversation.Input = input
    for (let step = 1;; step++) {
      const response = yield* conversation.send(next, turn)
      const calls = functionCalls(response)
      if (calls.length === 0) {
        const result: RunResult = { response, items: yield* conversation.history, steps: step }
        return result
      }
      if (step >= loop.maxSteps) {
        return yield* new MaxStepsReached({
          maxSteps: loop.maxSteps,
          pendingCalls: calls.map((call) => call.name),
          items: yield* conversation.history,
          response
        })
      }
      next = yield* loop.runCalls(calls)
    }
  })

/**
 * Runs the tool loop until the model answers without calling a tool. Fails with
 * `MaxStepsReached` (carrying the history) when the model still calls tools after
 * `maxSteps` requests, with the handlers' errors, and with the errors of `create` (and,
 * with `conversation`, of its store).
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { Tools } from "codex-backend-sdk"
 *
 * const getWeather = Tools.make("get_weather", {
 *   parameters: Schema.Struct({ city: Schema.String }),
 *   handler: ({ city }) => Effect.succeed({ city, temperature: 18 })
 * })
 *
 * const program = Effect.gen(function*() {
 *   const { response, items } = yield* Tools.run({ tools: [getWeather], input: "Weather in Paris?", maxSteps: 5 })
 *   return { answer: response.output_text, turns: items.length }
 * })
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const run: <const T extends ReadonlyArray<Any>>(
  options: RunOptions<T>
) => Effect.Effect<
  RunResult,
  CodexError | ToolError<T[number]> | Conversation.StoreError,
  Responses | ToolContext<T[number]>
> = Effect.fn("Tools.run")(
  function*<const T extends ReadonlyArray<Any>>(options: RunOptions<T>) {
    const responses = yield* Responses
    const { conversation, ...rest } = options
    const loop = yield* prepareLoop(rest)
    if (conversation !== undefined) return yield* runInConversation(conversation, loop, options.input)
    const items = initialItems(options.input)
    for (let step = 1;; step++) {
      const response = yield* responses.create({ ...loop.params, input: items })
      items.push(...response.output.filter(replayable))
      const calls = functionCalls(response)
      if (calls.length === 0) {
        const result: RunResult = { response, items, steps: step }
        return result
      }
      if (step >= loop.maxSteps) {
        return yield* new MaxStepsReached({
          maxSteps: loop.maxSteps,
          pendingCalls: calls.map((call) => call.name),
          items,
          response
        })
      }
      items.push(...(yield* loop.runCalls(calls)))
    }
  }
)

/**
 * The tool loop as a stream: the events of every step's response, one step after the
 * other (the tool outputs are sent between steps). Fails like {@link run}.
 *
 * @since 0.1.0
 * @category running
 */
export const stream = <const T extends ReadonlyArray<Any>>(
  options: RunOptions<T>
): Stream.Stream<ResponseStreamEvent, CodexError | ToolError<T[number]>, Responses | ToolContext<T[number]>> =>
  Stream.unwrap(
    Effect.gen(function*() {
      const responses = yield* Responses
      const loop = yield* prepareLoop(options)
      const step = (
        items: Array<InputItem>,
        n: number
      ): Stream.Stream<ResponseStreamEvent, CodexError | ToolError<T[number]>, ToolContext<T[number]>> =>
        Stream.suspend(() => {
          const collector = ResponseCollector.make()
          const events = responses.stream({ ...loop.params, input: items }).pipe(
            Stream.mapChunks((chunk) => {
              for (const event of chunk) collector.push(event)
              return chunk
            })
          )
          const next = Stream.unwrap(
            Effect.gen(function*() {
              const response = yield* collector.result()
              const history = [...items, ...response.output.filter(replayable)]
              const calls = functionCalls(response)
              if (calls.length === 0) return Stream.empty
              if (n >= loop.maxSteps) {
                return yield* new MaxStepsReached({
                  maxSteps: loop.maxSteps,
                  pendingCalls: calls.map((call) => call.name),
                  items: history,
                  response
                })
              }
              const outputs = yield* loop.runCalls(calls)
              return step([...history, ...outputs], n + 1)
            })
          )
          return Stream.concat(events, next)
        })
      return step(initialItems(options.input), 1)
    })
  ).pipe(Stream.withSpan("Tools.stream"))
