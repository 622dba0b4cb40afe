/**
 * `codex-backend emulator --script FILE`: one scripted `/responses` reply per line of a
 * JSONL file, for scripting the emulator from outside Effect (any language, any client).
 *
 * @internal
 */
import { isRecord } from "../jsonGuards.js"
import type { Reply } from "./replies.js"
import { functionCall, http, text, usageLimit } from "./replies.js"

/** What a line may hold, for error messages. */
const forms =
  `{"text": "…"}, {"function_call": {"name": "…", "arguments": {…}}}, {"usage_limit": {"plan_type": "plus", "resets_in_seconds": 3600}}, {"http": {"status": 500, "body": {…}}}`

/**
 * Parses a script file's text into replies (blank lines skipped), or the first problem
 * as a message naming its line. `now` (epoch ms) anchors `resets_in_seconds`.
 *
 * @internal
 */
export const parseScript = (source: string, now: number): ReadonlyArray<Reply> | string => {
  const replies: Array<Reply> = []
  const lines = source.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]?.trim() ?? ""
    if (line === "") continue
    const where = `line ${i + 1}`
    let entry: unknown
    try {
      entry = JSON.parse(line)
    } catch {
      return `${where} is not JSON: ${line.slice(0, 80)}`
    }
    const reply = isRecord(entry) ? toReply(entry, now) : undefined
    if (reply === undefined) return `${where} is not one of ${forms}: ${line.slice(0, 80)}`
    replies.push(reply)
  }
  return replies
}

const toReply = (entry: Record<string, unknown>, now: number): Reply | undefined => {
  if (typeof entry["text"] === "string") return text(entry["text"])
  const call = entry["function_call"]
  if (isRecord(call) && typeof call["name"] === "string") {
    const args = call["arguments"]
    return functionCall(call["name"], isRecord(args) || typeof args === "string" ? args : {})
  }
  const limit = entry["usage_limit"]
  if (isRecord(limit)) {
    const seconds = typeof limit["resets_in_seconds"] === "number" ? limit["resets_in_seconds"] : 3600
    return usageLimit({
      planType: typeof limit["plan_type"] === "string" ? limit["plan_type"] : "plus",
      resetsAt: Math.floor(now / 1000) + seconds
    })
  }
  const reply = entry["http"]
  if (isRecord(reply) && typeof reply["status"] === "number" && Number.isInteger(reply["status"])) {
    return http(reply["status"], reply["body"] ?? {})
  }
  return undefined
}
