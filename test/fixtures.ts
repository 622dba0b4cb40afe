import type { ResponseStreamEvent } from "../src/index.js"

const snap = (status: string) => ({ id: "resp_1", object: "response", status, model: "gpt-5.4", output: [] })
const ref = { item_id: "msg_1", output_index: 1, content_index: 0 }
const sref = { item_id: "rs_1", output_index: 0, summary_index: 0 }

/** One valid wire event of every known type, in a plausible order, ending with completed. */
export const everyEvent: { readonly [K in ResponseStreamEvent.EventType]: Record<string, unknown> } = {
  "response.created": { type: "response.created", sequence_number: 0, response: snap("in_progress") },
  "response.queued": { type: "response.queued", response: snap("queued") },
  "response.in_progress": { type: "response.in_progress", response: snap("in_progress") },
  "response.metadata": {
    type: "response.metadata",
    metadata: { openai_verification_recommendation: ["trusted_access_for_cyber"] }
  },
  "codex.rate_limits": {
    type: "codex.rate_limits",
    plan_type: "pro",
    rate_limits: {
      allowed: true,
      limit_reached: false,
      primary: { used_percent: 40, window_minutes: 300, reset_at: 1767240000 }
    },
    credits: { has_credits: false, unlimited: false, balance: "0" },
    limit_name: "codex"
  },
  "response.output_item.added": {
    type: "response.output_item.added",
    output_index: 0,
    item: { id: "rs_1", type: "reasoning", summary: [] }
  },
  "response.reasoning_summary_part.added": {
    type: "response.reasoning_summary_part.added",
    ...sref,
    part: { type: "summary_text", text: "" }
  },
  "response.reasoning_summary_text.delta": { type: "response.reasoning_summary_text.delta", ...sref, delta: "Think" },
  "response.reasoning_summary.delta": { type: "response.reasoning_summary.delta", ...sref, delta: { text: "ing" } },
  "response.reasoning_summary_text.done": { type: "response.reasoning_summary_text.done", ...sref, text: "Thinking" },
  "response.reasoning_summary_part.done": {
    type: "response.reasoning_summary_part.done",
    ...sref,
    part: { type: "summary_text", text: "Thinking" }
  },
  "response.reasoning_text.delta": {
    type: "response.reasoning_text.delta",
    item_id: "rs_1",
    output_index: 0,
    content_index: 0,
    delta: "raw"
  },
  "response.reasoning_text.done": {
    type: "response.reasoning_text.done",
    item_id: "rs_1",
    output_index: 0,
    content_index: 0,
    text: "raw"
  },
  "response.output_item.done": {
    type: "response.output_item.done",
    output_index: 0,
    item: {
      id: "rs_1",
      type: "reasoning",
      summary: [{ type: "summary_text", text: "Thinking" }],
      encrypted_content: "gAAA"
    }
  },
  "response.content_part.added": {
    type: "response.content_part.added",
    ...ref,
    part: { type: "output_text", text: "", annotations: [] }
  },
  "response.output_text.delta": { type: "response.output_text.delta", ...ref, delta: "Hel", logprobs: [] },
  "response.content_part.delta": { type: "response.content_part.delta", ...ref, delta: { text: "lo" } },
  "response.output_text.annotation.added": {
    type: "response.output_text.annotation.added",
    ...ref,
    annotation_index: 0,
    annotation: { type: "url_citation", url: "https://example.com" }
  },
  "response.output_text.done": { type: "response.output_text.done", ...ref, text: "Hello" },
  "response.content_part.done": {
    type: "response.content_part.done",
    ...ref,
    part: { type: "output_text", text: "Hello", annotations: [] }
  },
  "response.refusal.delta": { type: "response.refusal.delta", ...ref, content_index: 1, delta: "No" },
  "response.refusal.done": { type: "response.refusal.done", ...ref, content_index: 1, refusal: "No" },
  "response.function_call_arguments.delta": {
    type: "response.function_call_arguments.delta",
    item_id: "fc_1",
    output_index: 2,
    delta: "{\"a\""
  },
  "response.function_call_arguments.done": {
    type: "response.function_call_arguments.done",
    item_id: "fc_1",
    output_index: 2,
    arguments: "{\"a\":1}",
    name: "f"
  },
  "response.custom_tool_call_input.delta": {
    type: "response.custom_tool_call_input.delta",
    item_id: "ct_1",
    call_id: "c2",
    output_index: 3,
    delta: "pat"
  },
  "response.custom_tool_call_input.done": {
    type: "response.custom_tool_call_input.done",
    item_id: "ct_1",
    call_id: "c2",
    output_index: 3,
    input: "patch"
  },
  "response.web_search_call.in_progress": {
    type: "response.web_search_call.in_progress",
    item_id: "ws_1",
    output_index: 4
  },
  "response.web_search_call.searching": {
    type: "response.web_search_call.searching",
    item_id: "ws_1",
    output_index: 4
  },
  "response.web_search_call.completed": {
    type: "response.web_search_call.completed",
    item_id: "ws_1",
    output_index: 4
  },
  "response.image_generation_call.in_progress": {
    type: "response.image_generation_call.in_progress",
    item_id: "ig_1",
    output_index: 5
  },
  "response.image_generation_call.generating": {
    type: "response.image_generation_call.generating",
    item_id: "ig_1",
    output_index: 5
  },
  "response.image_generation_call.partial_image": {
    type: "response.image_generation_call.partial_image",
    item_id: "ig_1",
    output_index: 5,
    partial_image_index: 0,
    partial_image_b64: "iVBORw0KGgo="
  },
  "response.image_generation_call.completed": {
    type: "response.image_generation_call.completed",
    item_id: "ig_1",
    output_index: 5
  },
  "response.failed": {
    type: "response.failed",
    response: { ...snap("failed"), error: { code: "server_error", message: "boom" } }
  },
  "response.incomplete": {
    type: "response.incomplete",
    response: { ...snap("incomplete"), incomplete_details: { reason: "max_output_tokens" } }
  },
  "error": { type: "error", code: "server_error", message: "boom", param: null },
  "response.completed": {
    type: "response.completed",
    response: {
      ...snap("completed"),
      usage: {
        input_tokens: 3,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: 5,
        output_tokens_details: { reasoning_tokens: 1 },
        total_tokens: 8
      }
    }
  }
}

/** Every non-terminal event, in order, then `response.completed`. */
export const flowingEvents = (): Array<Record<string, unknown>> =>
  Object.entries(everyEvent)
    .filter(([type]) => !["response.failed", "response.incomplete", "error", "response.completed"].includes(type))
    .map(([, event]) => event)
    .concat([everyEvent["response.completed"]])
