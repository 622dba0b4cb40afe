/**
 * Event builders of the emulator: streams framed the way the backend frames them (§5.3).
 *
 * @internal
 */
import { randomUUID } from "node:crypto"
import type { ResponseStreamEvent } from "../../ResponseStreamEvent.js"

type Json = Record<string, unknown>

/**
 * Options of the event builders.
 *
 * @internal
 */
export interface EventOptions {
  /** The response id (default: a fresh `resp_…`, as the backend sends one per response). */
  readonly id?: string
  readonly model?: string
  /** Characters per text delta (default 4). */
  readonly deltaSize?: number
  /** A reasoning summary to stream before the answer. */
  readonly reasoning?: string
  /** Send the items in `response.completed`'s `output` too (default false, as the backend does). */
  readonly completedOutput?: boolean
  /** Send only `response.output_item.done` for each item, no `added` or deltas. */
  readonly doneOnly?: boolean
  /** Reasoning tokens to report beyond those of the summary (the model reasons whenever an effort is set). */
  readonly reasoningTokens?: number
}

/**
 * A fresh item or response id with the backend's prefix (`resp`, `msg`, `rs`, `fc`, `call`, `cmp`).
 *
 * @internal
 */
export const freshId = (prefix: string): string => `${prefix}_${randomUUID().replaceAll("-", "")}`

const chunks = (text: string, size: number): Array<string> => {
  const out: Array<string> = []
  const step = Math.max(1, size)
  for (let i = 0; i < text.length; i += step) out.push(text.slice(i, i + step))
  return out
}

const usageOf = (input: number, output: number, reasoning: number) => ({
  input_tokens: input,
  input_tokens_details: { cached_tokens: 0 },
  output_tokens: output,
  output_tokens_details: { reasoning_tokens: reasoning },
  total_tokens: input + output
})

const tokens = (text: string) => Math.ceil(text.length / 4)

type ItemBuild = (outputIndex: number, seq: () => number) => { readonly events: Array<Json>; readonly item: Json }

const reasoningItem = (summary: string, id: string): ItemBuild => (outputIndex, seq) => {
  const item = {
    id,
    type: "reasoning",
    summary: [{ type: "summary_text", text: summary }],
    encrypted_content: "gAAAAB-emulated"
  }
  const events: Array<Json> = [
    {
      type: "response.output_item.added",
      sequence_number: seq(),
      output_index: outputIndex,
      item: { id, type: "reasoning", summary: [] }
    },
    {
      type: "response.reasoning_summary_part.added",
      sequence_number: seq(),
      item_id: id,
      output_index: outputIndex,
      summary_index: 0,
      part: { type: "summary_text", text: "" }
    }
  ]
  for (const delta of chunks(summary, 8)) {
    events.push({
      type: "response.reasoning_summary_text.delta",
      sequence_number: seq(),
      item_id: id,
      output_index: outputIndex,
      summary_index: 0,
      delta
    })
  }
  events.push(
    {
      type: "response.reasoning_summary_text.done",
      sequence_number: seq(),
      item_id: id,
      output_index: outputIndex,
      summary_index: 0,
      text: summary
    },
    {
      type: "response.reasoning_summary_part.done",
      sequence_number: seq(),
      item_id: id,
      output_index: outputIndex,
      summary_index: 0,
      part: { type: "summary_text", text: summary }
    },
    { type: "response.output_item.done", sequence_number: seq(), output_index: outputIndex, item }
  )
  return { events, item }
}

const messageItem = (text: string, id: string, deltaSize: number): ItemBuild => (outputIndex, seq) => {
  const part = { type: "output_text", text, annotations: [] }
  const item = { id, type: "message", role: "assistant", status: "completed", phase: "final_answer", content: [part] }
  const ref = { item_id: id, output_index: outputIndex, content_index: 0 }
  const events: Array<Json> = [
    {
      type: "response.output_item.added",
      sequence_number: seq(),
      output_index: outputIndex,
      item: { id, type: "message", role: "assistant", status: "in_progress", content: [] }
    },
    { type: "response.content_part.added", sequence_number: seq(), ...ref, part: { ...part, text: "" } }
  ]
  for (const delta of chunks(text, deltaSize)) {
    events.push({ type: "response.output_text.delta", sequence_number: seq(), ...ref, delta, logprobs: [] })
  }
  events.push(
    { type: "response.output_text.done", sequence_number: seq(), ...ref, text },
    { type: "response.content_part.done", sequence_number: seq(), ...ref, part },
    { type: "response.output_item.done", sequence_number: seq(), output_index: outputIndex, item }
  )
  return { events, item }
}

const functionCallItem = (name: string, args: string, callId: string, id: string): ItemBuild => (outputIndex, seq) => {
  const item = { id, type: "function_call", status: "completed", call_id: callId, name, arguments: args }
  const events: Array<Json> = [
    {
      type: "response.output_item.added",
      sequence_number: seq(),
      output_index: outputIndex,
      item: { ...item, status: "in_progress", arguments: "" }
    }
  ]
  for (const delta of chunks(args, 6)) {
    events.push({
      type: "response.function_call_arguments.delta",
      sequence_number: seq(),
      item_id: id,
      output_index: outputIndex,
      delta
    })
  }
  events.push(
    {
      type: "response.function_call_arguments.done",
      sequence_number: seq(),
      item_id: id,
      output_index: outputIndex,
      arguments: args,
      name
    },
    { type: "response.output_item.done", sequence_number: seq(), output_index: outputIndex, item }
  )
  return { events, item }
}

const refusalItem = (refusal: string, id: string, deltaSize: number): ItemBuild => (outputIndex, seq) => {
  const part = { type: "refusal", refusal }
  const item = { id, type: "message", role: "assistant", status: "completed", content: [part] }
  const ref = { item_id: id, output_index: outputIndex, content_index: 0 }
  const events: Array<Json> = [
    {
      type: "response.output_item.added",
      sequence_number: seq(),
      output_index: outputIndex,
      item: { id, type: "message", role: "assistant", status: "in_progress", content: [] }
    },
    { type: "response.content_part.added", sequence_number: seq(), ...ref, part: { type: "refusal", refusal: "" } }
  ]
  for (const delta of chunks(refusal, deltaSize)) {
    events.push({ type: "response.refusal.delta", sequence_number: seq(), ...ref, delta })
  }
  events.push(
    { type: "response.refusal.done", sequence_number: seq(), ...ref, refusal },
    { type: "response.content_part.done", sequence_number: seq(), ...ref, part },
    { type: "response.output_item.done", sequence_number: seq(), output_index: outputIndex, item }
  )
  return { events, item }
}

const assemble = (builds: ReadonlyArray<ItemBuild>, options: EventOptions = {}): Array<ResponseStreamEvent> => {
  let n = 0
  const seq = () => n++
  const id = options.id ?? freshId("resp")
  const model = options.model ?? "gpt-5.4"
  const base = { id, object: "response", created_at: Math.floor(Date.now() / 1000), model }
  const events: Array<Json> = [
    { type: "response.created", sequence_number: seq(), response: { ...base, status: "in_progress", output: [] } },
    { type: "response.in_progress", sequence_number: seq(), response: { ...base, status: "in_progress", output: [] } }
  ]
  const items: Array<Json> = []
  let outputText = ""
  let reasoningText = ""
  builds.forEach((build, index) => {
    const built = build(index, seq)
    items.push(built.item)
    if (options.doneOnly === true) {
      events.push({ type: "response.output_item.done", sequence_number: seq(), output_index: index, item: built.item })
    } else events.push(...built.events)
    const content = built.item["content"]
    if (Array.isArray(content)) { for (const part of content) outputText += String(part.text ?? "") }
    const summary = built.item["summary"]
    if (Array.isArray(summary)) { for (const part of summary) reasoningText += String(part.text ?? "") }
    if (typeof built.item["arguments"] === "string") outputText += built.item["arguments"]
  })
  events.push({
    type: "response.completed",
    sequence_number: seq(),
    response: {
      ...base,
      status: "completed",
      output: options.completedOutput === true ? items : [],
      prompt_cache_retention: "24h",
      service_tier: "default",
      usage: usageOf(
        21,
        tokens(outputText) + tokens(reasoningText) + (options.reasoningTokens ?? 0),
        tokens(reasoningText) + (options.reasoningTokens ?? 0)
      )
    }
  })
  // Built to the wire schemas above; the tests decode every one with `ResponseStreamEvent.decode`.
  return events as Array<ResponseStreamEvent>
}

/**
 * The events of a text answer, framed as the backend frames them (§5.3): created,
 * in_progress, [a reasoning item], a message item with its deltas, completed with an
 * empty `output`.
 *
 * @internal
 */
export const textEvents = (text: string, options: EventOptions = {}): Array<ResponseStreamEvent> =>
  assemble(
    [
      ...(options.reasoning === undefined ? [] : [reasoningItem(options.reasoning, freshId("rs"))]),
      messageItem(text, freshId("msg"), options.deltaSize ?? 4)
    ],
    options
  )

/**
 * The events of a function call (`arguments` is sent as given, in deltas).
 *
 * @internal
 */
export const functionCallEvents = (
  name: string,
  args: string,
  options: EventOptions & { readonly callId?: string } = {}
): Array<ResponseStreamEvent> =>
  assemble(
    [
      ...(options.reasoning === undefined ? [] : [reasoningItem(options.reasoning, freshId("rs"))]),
      functionCallItem(name, args, options.callId ?? freshId("call"), freshId("fc"))
    ],
    options
  )

/**
 * A `response.failed` stream: created, then failed with `error: {code, message}`.
 *
 * @internal
 */
export const failedEvents = (code: string, message: string): Array<ResponseStreamEvent> => {
  const base = { id: freshId("resp"), object: "response", created_at: Math.floor(Date.now() / 1000), model: "gpt-5.4" }
  return [
    { type: "response.created", sequence_number: 0, response: { ...base, status: "in_progress", output: [] } },
    {
      type: "response.failed",
      sequence_number: 1,
      response: { ...base, status: "failed", output: [], error: { code, message } }
    }
  ]
}

/**
 * A `response.incomplete` stream after some text.
 *
 * @internal
 */
export const incompleteEvents = (text: string, reason: string): Array<ResponseStreamEvent> => {
  const events = textEvents(text)
  const last = events.pop()
  if (last?.type === "response.completed") {
    events.push({
      type: "response.incomplete",
      sequence_number: events.length,
      response: { ...last.response, status: "incomplete", incomplete_details: { reason } }
    })
  }
  return events
}

/**
 * A function call of {@link functionCallsEvents}: `args` is sent as given.
 *
 * @internal
 */
export interface CallSpec {
  readonly name: string
  readonly args: string
  readonly callId?: string
}

/**
 * The events of one response with several function calls (parallel tool calls), in order.
 * Call ids default to fresh `call_…` ids.
 *
 * @internal
 */
export const functionCallsEvents = (
  calls: ReadonlyArray<CallSpec>,
  options: EventOptions = {}
): Array<ResponseStreamEvent> =>
  assemble(
    [
      ...(options.reasoning === undefined ? [] : [reasoningItem(options.reasoning, freshId("rs"))]),
      ...calls.map((call) => functionCallItem(call.name, call.args, call.callId ?? freshId("call"), freshId("fc")))
    ],
    options
  )

/**
 * The events of a refusal: an assistant message whose content is one `refusal` part,
 * streamed as `response.refusal.delta` events.
 *
 * @internal
 */
export const refusalEvents = (refusal: string, options: EventOptions = {}): Array<ResponseStreamEvent> =>
  assemble([refusalItem(refusal, freshId("msg"), options.deltaSize ?? 4)], options)

/**
 * The stream of a compaction (§8.0): one `compaction` item, then completed.
 *
 * @internal
 */
export const compactionEvents = (encryptedContent: string, options: EventOptions = {}): Array<ResponseStreamEvent> =>
  assemble([(outputIndex, seq) => {
    const item = { id: freshId("cmp"), type: "compaction", encrypted_content: encryptedContent }
    return {
      item,
      events: [
        { type: "response.output_item.added", sequence_number: seq(), output_index: outputIndex, item },
        { type: "response.output_item.done", sequence_number: seq(), output_index: outputIndex, item }
      ]
    }
  }], options)
