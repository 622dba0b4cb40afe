/**
 * A history as the stateless backend needs it replayed (protocol §4.4, §5.4): the one
 * place that turns a turn's input and a response's output into the items of the next
 * request. `Conversation` and the facade's `responseStore` both build on it.
 *
 * @internal
 */
import type { OutputItem } from "../Response.js"
import type { InputItem } from "../Responses.js"

/** The input of a request as history items: a string becomes a user message, role-only items messages, ids stripped. @internal */
export const itemsOf = (input: string | ReadonlyArray<InputItem>): Array<InputItem> => {
  if (typeof input === "string") {
    return [{ type: "message", role: "user", content: [{ type: "input_text", text: input }] }]
  }
  return input.map((item) => {
    const { id: _id, ...rest } = item as { readonly id?: unknown; readonly [key: string]: unknown }
    return (rest["type"] === undefined && rest["role"] !== undefined ? { ...rest, type: "message" } : rest) as InputItem
  })
}

/**
 * The output items as the backend needs them replayed: ids stripped, reasoning kept only
 * with its `encrypted_content` (without it the stateless backend cannot use it),
 * compaction items verbatim.
 *
 * @internal
 */
export const replayable = (output: ReadonlyArray<OutputItem>): Array<InputItem> => {
  const items: Array<InputItem> = []
  for (const item of output) {
    if (item.type === "reasoning" && typeof item["encrypted_content"] !== "string") continue
    const { id: _id, ...rest } = item
    items.push(rest as InputItem)
  }
  return items
}
