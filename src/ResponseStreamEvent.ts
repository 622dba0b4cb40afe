/**
 * The events of a `/responses` stream (protocol §5.2), one schema per `type`, plus
 * `UnknownEvent`, which carries any type this SDK does not know (`keepalive`, a new
 * backend event...) through instead of failing.
 *
 * The SDK's own stream does not run these schemas per event (that would cost more than
 * the whole transport): it checks only the fields the collector reads and hands the wire
 * objects on untouched. Use {@link decode} when you want full validation.
 *
 * @since 0.1.0
 */
import type { Effect } from "effect"
import { Schema } from "effect"
import type { ParseError } from "effect/ParseResult"
import { OutputItem, ResponseSnapshot } from "./Response.js"

const Extra = Schema.Record({ key: Schema.String, value: Schema.Unknown })

const event = <const T extends string, F extends Schema.Struct.Fields>(type: T, fields: F) =>
  Schema.Struct({ type: Schema.Literal(type), sequence_number: Schema.optional(Schema.Number), ...fields }, Extra)

const snapshot = <const T extends string>(type: T) => event(type, { response: ResponseSnapshot })
const itemRef = { item_id: Schema.String, output_index: Schema.Number }
const contentRef = { ...itemRef, content_index: Schema.Number }
const summaryRef = { ...itemRef, summary_index: Schema.Number }
const progress = <const T extends string>(type: T) =>
  event(type, { item_id: Schema.optional(Schema.String), output_index: Schema.Number })
const Part = Schema.Struct({ type: Schema.String }, Extra)

/**
 * One schema per known event type, keyed by `type`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const schemas = {
  "response.created": snapshot("response.created"),
  "response.in_progress": snapshot("response.in_progress"),
  "response.queued": snapshot("response.queued"),
  "response.completed": snapshot("response.completed"),
  "response.failed": snapshot("response.failed"),
  "response.incomplete": snapshot("response.incomplete"),
  "response.output_item.added": event("response.output_item.added", { output_index: Schema.Number, item: OutputItem }),
  "response.output_item.done": event("response.output_item.done", { output_index: Schema.Number, item: OutputItem }),
  "response.content_part.added": event("response.content_part.added", { ...contentRef, part: Part }),
  "response.content_part.done": event("response.content_part.done", { ...contentRef, part: Part }),
  "response.content_part.delta": event("response.content_part.delta", {
    ...contentRef,
    delta: Schema.Union(Schema.String, Schema.Struct({ text: Schema.optional(Schema.String) }, Extra))
  }),
  "response.output_text.delta": event("response.output_text.delta", {
    ...contentRef,
    delta: Schema.String,
    logprobs: Schema.optional(Schema.Array(Schema.Unknown))
  }),
  "response.output_text.done": event("response.output_text.done", { ...contentRef, text: Schema.String }),
  "response.output_text.annotation.added": event("response.output_text.annotation.added", {
    ...contentRef,
    annotation_index: Schema.Number,
    annotation: Schema.Unknown
  }),
  "response.refusal.delta": event("response.refusal.delta", { ...contentRef, delta: Schema.String }),
  "response.refusal.done": event("response.refusal.done", { ...contentRef, refusal: Schema.String }),
  "response.function_call_arguments.delta": event("response.function_call_arguments.delta", {
    ...itemRef,
    delta: Schema.String
  }),
  "response.function_call_arguments.done": event("response.function_call_arguments.done", {
    ...itemRef,
    arguments: Schema.String,
    name: Schema.optional(Schema.String)
  }),
  "response.custom_tool_call_input.delta": event("response.custom_tool_call_input.delta", {
    ...itemRef,
    call_id: Schema.optional(Schema.String),
    delta: Schema.String
  }),
  "response.custom_tool_call_input.done": event("response.custom_tool_call_input.done", {
    ...itemRef,
    call_id: Schema.optional(Schema.String),
    input: Schema.String
  }),
  "response.reasoning_summary_part.added": event("response.reasoning_summary_part.added", {
    ...summaryRef,
    part: Part
  }),
  "response.reasoning_summary_part.done": event("response.reasoning_summary_part.done", { ...summaryRef, part: Part }),
  "response.reasoning_summary_text.delta": event("response.reasoning_summary_text.delta", {
    ...summaryRef,
    delta: Schema.String
  }),
  "response.reasoning_summary_text.done": event("response.reasoning_summary_text.done", {
    ...summaryRef,
    text: Schema.String
  }),
  "response.reasoning_summary.delta": event("response.reasoning_summary.delta", {
    item_id: Schema.optional(Schema.String),
    output_index: Schema.Number,
    summary_index: Schema.optional(Schema.Number),
    delta: Schema.Unknown
  }),
  "response.reasoning_text.delta": event("response.reasoning_text.delta", { ...contentRef, delta: Schema.String }),
  "response.reasoning_text.done": event("response.reasoning_text.done", { ...contentRef, text: Schema.String }),
  "response.web_search_call.in_progress": progress("response.web_search_call.in_progress"),
  "response.web_search_call.searching": progress("response.web_search_call.searching"),
  "response.web_search_call.completed": progress("response.web_search_call.completed"),
  "response.image_generation_call.in_progress": progress("response.image_generation_call.in_progress"),
  "response.image_generation_call.generating": progress("response.image_generation_call.generating"),
  "response.image_generation_call.completed": progress("response.image_generation_call.completed"),
  "response.image_generation_call.partial_image": event("response.image_generation_call.partial_image", {
    item_id: Schema.optional(Schema.String),
    output_index: Schema.Number,
    partial_image_index: Schema.Number,
    partial_image_b64: Schema.String
  }),
  "response.metadata": event("response.metadata", { metadata: Schema.Unknown }),
  "codex.rate_limits": event("codex.rate_limits", {
    plan_type: Schema.optional(Schema.NullOr(Schema.String)),
    rate_limits: Schema.optional(Schema.Unknown),
    credits: Schema.optional(Schema.Unknown),
    limit_name: Schema.optional(Schema.NullOr(Schema.String)),
    metered_limit_name: Schema.optional(Schema.NullOr(Schema.String))
  }),
  "error": event("error", {
    code: Schema.optional(Schema.NullOr(Schema.String)),
    message: Schema.optional(Schema.NullOr(Schema.String)),
    param: Schema.optional(Schema.NullOr(Schema.String)),
    error: Schema.optional(Schema.Struct({
      type: Schema.optional(Schema.NullOr(Schema.String)),
      code: Schema.optional(Schema.NullOr(Schema.String)),
      message: Schema.optional(Schema.NullOr(Schema.String)),
      param: Schema.optional(Schema.NullOr(Schema.String))
    }, Extra))
  })
}

/**
 * An event of a type this SDK does not model. `event` is the wire `type` (or the SSE
 * `event:` name when the data had none); `data` is the parsed JSON, untouched.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UnknownEvent = Schema.Struct({
  type: Schema.Literal("unknown"),
  event: Schema.String,
  data: Schema.Record({ key: Schema.String, value: Schema.Unknown })
})

/**
 * @since 0.1.0
 * @category models
 */
export type UnknownEvent = typeof UnknownEvent.Type

/**
 * Every event of a `/responses` stream.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ResponseStreamEvent = Schema.Union(...Object.values(schemas), UnknownEvent)

/**
 * @since 0.1.0
 * @category models
 */
export type ResponseStreamEvent = typeof ResponseStreamEvent.Type

/**
 * The `type` of every known event.
 *
 * @since 0.1.0
 * @category models
 */
export type EventType = keyof typeof schemas

/**
 * The event of one `type`: `EventOf<"response.output_text.delta">`.
 *
 * @since 0.1.0
 * @category models
 */
export type EventOf<T extends ResponseStreamEvent["type"]> = Extract<ResponseStreamEvent, { readonly type: T }>

/**
 * A refinement on the event `type`, for `Stream.filter`:
 *
 * @example
 * ```ts
 * stream.pipe(Stream.filter(ResponseStreamEvent.is("response.output_text.delta")))
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const is =
  <T extends ResponseStreamEvent["type"]>(type: T) => (event: ResponseStreamEvent): event is EventOf<T> =>
    event.type === type

const terminalTypes: ReadonlySet<string> = new Set([
  "response.completed",
  "response.failed",
  "response.incomplete",
  "error"
])

/**
 * Whether an event ends the stream: `response.completed`, `response.failed`,
 * `response.incomplete` or `error`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isTerminal = (event: ResponseStreamEvent): boolean => terminalTypes.has(event.type)

/**
 * The text an event adds to the answer, if it is a text delta (`response.output_text.delta`
 * or the tolerated `response.content_part.delta`); `undefined` otherwise.
 *
 * @since 0.1.0
 * @category getters
 */
export const textDelta = (event: ResponseStreamEvent): string | undefined => {
  if (event.type === "response.output_text.delta") return event.delta
  if (event.type === "response.content_part.delta") {
    return typeof event.delta === "string" ? event.delta : event.delta.text
  }
  return undefined
}

/**
 * Fully validates an event against its schema (unknown types become `UnknownEvent`).
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = (data: unknown): Effect.Effect<ResponseStreamEvent, ParseError> => {
  if (typeof data === "object" && data !== null && !Array.isArray(data)) {
    const type: unknown = "type" in data ? data.type : undefined
    if (typeof type === "string" && Object.hasOwn(schemas, type)) {
      return Schema.decodeUnknown(ResponseStreamEvent)(data)
    }
    return Schema.decodeUnknown(UnknownEvent)({ type: "unknown", event: typeof type === "string" ? type : "", data })
  }
  return Schema.decodeUnknown(ResponseStreamEvent)(data)
}
