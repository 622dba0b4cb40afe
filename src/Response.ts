/**
 * The collected `Response`, its output items and usage, in the wire's snake_case shape
 * (the shape of openai-node's `Response`), plus `output_text`.
 *
 * Unknown fields and unknown item types are kept as received: items you replay in a later
 * `input` go back exactly as the backend sent them.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const Extra = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/**
 * A text part of an assistant message.
 *
 * @since 0.1.0
 * @category schemas
 */
export const OutputText = Schema.Struct({
  type: Schema.Literal("output_text"),
  text: Schema.String,
  annotations: Schema.optional(Schema.Array(Schema.Unknown)),
  logprobs: Schema.optional(Schema.Array(Schema.Unknown))
}, Extra)

/**
 * @since 0.1.0
 * @category models
 */
export type OutputText = typeof OutputText.Type

/**
 * A refusal part of an assistant message.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Refusal = Schema.Struct({ type: Schema.Literal("refusal"), refusal: Schema.String }, Extra)

/**
 * @since 0.1.0
 * @category models
 */
export type Refusal = typeof Refusal.Type

/**
 * An assistant message. Final answers carry `phase: "final_answer"`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const OutputMessage = Schema.Struct({
  type: Schema.Literal("message"),
  id: Schema.optional(Schema.String),
  role: Schema.Literal("assistant"),
  status: Schema.optional(Schema.String),
  phase: Schema.optional(Schema.String),
  content: Schema.Array(Schema.Union(OutputText, Refusal, Schema.Struct({ type: Schema.String }, Extra)))
}, Extra)

/**
 * @since 0.1.0
 * @category models
 */
export type OutputMessage = typeof OutputMessage.Type

/**
 * A reasoning item. `summary` is empty when the model does not summarise;
 * `encrypted_content` (requested with `include: ["reasoning.encrypted_content"]`) lets you
 * replay it statelessly.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ReasoningItem = Schema.Struct({
  type: Schema.Literal("reasoning"),
  id: Schema.optional(Schema.String),
  summary: Schema.Array(Schema.Struct({ type: Schema.String, text: Schema.String }, Extra)),
  content: Schema.optional(Schema.Array(Schema.Struct({ type: Schema.String, text: Schema.String }, Extra))),
  encrypted_content: Schema.optional(Schema.NullOr(Schema.String))
}, Extra)

/**
 * @since 0.1.0
 * @category models
 */
export type ReasoningItem = typeof ReasoningItem.Type

/**
 * A function call. `arguments` is a JSON string that may be invalid: parse it yourself.
 *
 * @since 0.1.0
 * @category schemas
 */
export const FunctionCall = Schema.Struct({
  type: Schema.Literal("function_call"),
  id: Schema.optional(Schema.String),
  call_id: Schema.String,
  name: Schema.String,
  arguments: Schema.String,
  status: Schema.optional(Schema.String)
}, Extra)

/**
 * @since 0.1.0
 * @category models
 */
export type FunctionCall = typeof FunctionCall.Type

/**
 * A call of a freeform (`custom`) tool.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CustomToolCall = Schema.Struct({
  type: Schema.Literal("custom_tool_call"),
  id: Schema.optional(Schema.String),
  call_id: Schema.String,
  name: Schema.String,
  input: Schema.String,
  status: Schema.optional(Schema.String)
}, Extra)

/**
 * @since 0.1.0
 * @category models
 */
export type CustomToolCall = typeof CustomToolCall.Type

/**
 * An opaque compaction summary (`compaction`, alias `compaction_summary`). Replay it verbatim.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CompactionItem = Schema.Struct({
  type: Schema.Literal("compaction", "compaction_summary"),
  encrypted_content: Schema.optional(Schema.String)
}, Extra)

/**
 * @since 0.1.0
 * @category models
 */
export type CompactionItem = typeof CompactionItem.Type

/**
 * Any output item, including the types this SDK does not model (web search calls, image
 * generation calls...), which are kept as received.
 *
 * @since 0.1.0
 * @category schemas
 */
export const OutputItem = Schema.Union(
  OutputMessage,
  ReasoningItem,
  FunctionCall,
  CustomToolCall,
  CompactionItem,
  Schema.Struct({ type: Schema.String }, Extra)
)

/**
 * @since 0.1.0
 * @category models
 */
export type OutputItem = typeof OutputItem.Type

/**
 * Token usage, as the terminal event reports it. Never invented: absent when the backend
 * sent none.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Usage = Schema.Struct({
  input_tokens: Schema.Number,
  input_tokens_details: Schema.optional(
    Schema.Struct(
      { cached_tokens: Schema.optional(Schema.Number), cache_write_tokens: Schema.optional(Schema.Number) },
      Extra
    )
  ),
  output_tokens: Schema.Number,
  output_tokens_details: Schema.optional(Schema.Struct({ reasoning_tokens: Schema.optional(Schema.Number) }, Extra)),
  total_tokens: Schema.Number
}, Extra)

/**
 * @since 0.1.0
 * @category models
 */
export type Usage = typeof Usage.Type

/** The fields a response and a response snapshot share. */
const responseFields = {
  id: Schema.String,
  object: Schema.optional(Schema.String),
  created_at: Schema.optional(Schema.Number),
  status: Schema.optional(Schema.String),
  model: Schema.optional(Schema.String),
  usage: Schema.optional(Schema.NullOr(Usage)),
  error: Schema.optional(
    Schema.NullOr(
      Schema.Struct({ code: Schema.optional(Schema.String), message: Schema.optional(Schema.String) }, Extra)
    )
  ),
  incomplete_details: Schema.optional(Schema.NullOr(Schema.Struct({ reason: Schema.optional(Schema.String) }, Extra)))
}

/**
 * A response, as the collector returns it (with `output_text` filled in).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Response = Schema.Struct({
  ...responseFields,
  output: Schema.Array(OutputItem),
  /** The concatenated text of every `output_text` part of every message, in order. */
  output_text: Schema.String
}, Extra)

/**
 * @since 0.1.0
 * @category models
 */
export type Response = typeof Response.Type

/**
 * The reply of `/responses/compact`: the new history to send as the next `input`.
 * `id`, `object` and `usage` may be absent; the `id` is **not** a `previous_response_id`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CompactedResponse = Schema.Struct({
  id: Schema.optional(Schema.String),
  object: Schema.optional(Schema.String),
  output: Schema.Array(OutputItem),
  usage: Schema.optional(Schema.NullOr(Schema.Struct({
    input_tokens: Schema.optional(Schema.Number),
    output_tokens: Schema.optional(Schema.Number),
    total_tokens: Schema.optional(Schema.Number)
  }, Extra)))
}, Extra)

/**
 * @since 0.1.0
 * @category models
 */
export type CompactedResponse = typeof CompactedResponse.Type

/**
 * @since 0.1.0
 * @category guards
 */
export const isMessage = (item: OutputItem): item is OutputMessage => item.type === "message"

/**
 * @since 0.1.0
 * @category guards
 */
export const isReasoning = (item: OutputItem): item is ReasoningItem => item.type === "reasoning"

/**
 * @since 0.1.0
 * @category guards
 */
export const isFunctionCall = (item: OutputItem): item is FunctionCall => item.type === "function_call"

/**
 * @since 0.1.0
 * @category guards
 */
export const isCompaction = (item: OutputItem): item is CompactionItem =>
  item.type === "compaction" || item.type === "compaction_summary"

/**
 * The concatenation, with no separator, of the `text` of every `output_text` part of
 * every `message` item, in order.
 *
 * @since 0.1.0
 * @category getters
 */
export const outputText = (output: ReadonlyArray<OutputItem>): string => {
  let text = ""
  for (const item of output) {
    if (!isMessage(item)) continue
    for (const part of item.content) {
      if (part.type === "output_text" && typeof part.text === "string") text += part.text
    }
  }
  return text
}

/**
 * The reasoning summary: the `summary[].text` of every `reasoning` item, joined with
 * newlines. Empty when the model did not summarise.
 *
 * @since 0.1.0
 * @category getters
 */
export const reasoningSummary = (response: Pick<Response, "output">): string =>
  response.output.filter(isReasoning).flatMap((item) => item.summary.map((part) => part.text)).join("\n")

/**
 * The function calls of a response, in order.
 *
 * @since 0.1.0
 * @category getters
 */
export const functionCalls = (response: Pick<Response, "output">): ReadonlyArray<FunctionCall> =>
  response.output.filter(isFunctionCall)

/**
 * A response snapshot as stream events carry it (`response.created`, `response.completed`,
 * `response.failed`...): like {@link Response} without `output_text`, `output` possibly
 * absent or empty.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ResponseSnapshot = Schema.Struct({
  ...responseFields,
  output: Schema.optional(Schema.Array(OutputItem))
}, Extra)

/**
 * @since 0.1.0
 * @category models
 */
export type ResponseSnapshot = typeof ResponseSnapshot.Type
