/**
 * The emulated model's context window: `usage.input_tokens` grows with the input (about
 * four characters a token, instructions and tools included) and a request past the
 * model's `context_window` fails in the stream with `context_length_exceeded`, as the
 * backend reports it (protocol §6.3). Compaction requests are not limited: the backend
 * folds what it is given.
 *
 * @internal
 */
import { isRecord } from "../jsonGuards.js"
import { estimateTokens } from "../tokens.js"
import { failedEvents } from "./events.js"
import type { Reply } from "./replies.js"
import { sse } from "./replies.js"

type Json = Record<string, unknown>

/** The backend's text for an input past the window (§6.3). */
const overflowMessage = "Your input exceeds the context window of this model. Please adjust your input and try again."

/** The tokens a request's input takes: instructions, tools and input items. */
export const inputTokens = (body: Json): number =>
  estimateTokens(body["instructions"] ?? "") + estimateTokens(body["tools"] ?? []) + estimateTokens(body["input"] ?? [])

/** The context window of the requested model in the catalog, if it has one. */
const windowOf = (body: Json, catalog: ReadonlyArray<Json>): number | undefined => {
  const model = catalog.find((entry) => entry["slug"] === body["model"])
  const window = model?.["context_window"]
  return typeof window === "number" ? window : undefined
}

/** `usage.input_tokens` (and `total_tokens`) of the completed event set to what the input takes. */
const withInputTokens = (reply: Reply, tokens: number): Reply => {
  if (reply._tag !== "Sse") return reply
  const frames = reply.frames.map((frame) => {
    if (!isRecord(frame) || !("type" in frame) || frame.type !== "response.completed" || !isRecord(frame["response"])) {
      return frame
    }
    const usage = frame["response"]["usage"]
    if (!isRecord(usage)) return frame
    const output = typeof usage["output_tokens"] === "number" ? usage["output_tokens"] : 0
    return {
      ...frame,
      response: { ...frame["response"], usage: { ...usage, input_tokens: tokens, total_tokens: tokens + output } }
    }
  })
  return { ...reply, frames }
}

/**
 * The answer to an unscripted, non-compaction `/responses` request within the model's
 * window: `answer`'s reply with the input's token count, or the context-length failure.
 */
export const withinContext = (body: Json, catalog: ReadonlyArray<Json>, answer: (body: Json) => Reply): Reply => {
  const tokens = inputTokens(body)
  const window = windowOf(body, catalog)
  if (window !== undefined && tokens > window) {
    return sse(failedEvents("context_length_exceeded", overflowMessage))
  }
  return withInputTokens(answer(body), tokens)
}
