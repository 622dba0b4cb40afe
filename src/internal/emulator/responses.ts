/**
 * The answers of the `/responses` and `/responses/compact` routes of the emulator to
 * unscripted requests (the rules they enforce first are in `rules.ts`).
 *
 * @internal
 */
import { isRecord } from "../jsonGuards.js"
import type { EventOptions } from "./events.js"
import { compactionEvents, freshId } from "./events.js"
import type { Reply } from "./replies.js"
import { functionCall, sse, text } from "./replies.js"

type Json = Record<string, unknown>

const resolveRef = (root: unknown, ref: string): unknown => {
  let node: unknown = root
  for (const key of ref.slice(2).split("/")) node = isRecord(node) ? node[key] : undefined
  return node
}

/**
 * A value that fits a JSON Schema, for emulated structured output and tool arguments: the
 * first `enum` value, whole numbers for `integer` and `number` (a client may read a
 * `number` into an integer type), the `required` properties (all, when none are listed).
 */
const exampleOf = (schema: unknown, name = "value", root: unknown = schema, depth = 0): unknown => {
  if (!isRecord(schema)) return null
  const ref = schema["$ref"]
  if (typeof ref === "string" && ref.startsWith("#/")) return exampleOf(resolveRef(root, ref), name, root, depth + 1)
  if (Array.isArray(schema["enum"]) && schema["enum"].length > 0) return schema["enum"][0]
  if ("const" in schema) return schema["const"]
  for (const key of ["anyOf", "oneOf"]) {
    const list = schema[key]
    if (Array.isArray(list) && list.length > 0) return exampleOf(list[0], name, root, depth)
  }
  const type = Array.isArray(schema["type"]) ? schema["type"][0] : schema["type"]
  switch (type) {
    case "object": {
      const out: Json = {}
      const properties = isRecord(schema["properties"]) ? schema["properties"] : {}
      const required = Array.isArray(schema["required"]) ? new Set(schema["required"].map(String)) : undefined
      for (const [key, value] of Object.entries(properties)) {
        if (required === undefined || required.has(key)) out[key] = exampleOf(value, key, root, depth + 1)
      }
      return out
    }
    case "array":
      // Recursive schemas (a tree of `$ref`s) end in empty arrays.
      return depth > 4 ? [] : [exampleOf(schema["items"], name, root, depth + 1)]
    case "integer":
    case "number": {
      const minimum = schema["minimum"]
      return typeof minimum === "number" && minimum > 42 ? Math.ceil(minimum) : 42
    }
    case "boolean":
      return true
    case "null":
      return null
    default:
      return name === "city" ? "Paris" : `example ${name}`
  }
}

/** The text of the last user message (content as parts, or a plain string as openai-node sends it). */
const lastUserText = (input: ReadonlyArray<unknown>): string => {
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i]
    if (!isRecord(item) || item["role"] !== "user") continue
    const content = item["content"]
    if (typeof content === "string") return content
    if (Array.isArray(content)) {
      return content.map((part) => (isRecord(part) && typeof part["text"] === "string" ? part["text"] : "")).join("")
    }
  }
  return ""
}

/**
 * The tool-call directive of a prompt: `call tool NAME`, optionally followed by `with` and
 * a JSON object of arguments (docs/testing.md documents it).
 */
const directive = /call tool ([A-Za-z0-9_.-]+)(?:\s+with\s+(\{[\s\S]*\}))?/

/** Reasoning tokens the emulated model spends per effort (any effort but `none` reasons). */
const reasoningTokensOf: Readonly<Record<string, number>> = { minimal: 8, low: 16, medium: 64, high: 256, xhigh: 512 }

/**
 * The answer to an unscripted request, computed from it: text (an echo of the last user
 * message, the tool's output after a tool round trip, or JSON that fits a requested
 * schema). It calls a tool only when the last user message asks for it with the
 * directive `call tool NAME [with {…}]`; generated arguments fit the tool's schema.
 */
export const defaultReply = (body: Json): Reply => {
  const input = Array.isArray(body["input"]) ? body["input"].filter(isRecord) : []
  const model = typeof body["model"] === "string" ? body["model"] : "gpt-5.4"
  const reasoning = isRecord(body["reasoning"]) ? body["reasoning"] : {}
  const summary = typeof reasoning["summary"] === "string" ? "The user wants a short, direct answer." : undefined
  const effort = typeof reasoning["effort"] === "string" ? reasoning["effort"] : undefined
  const options: EventOptions = {
    model,
    ...(summary === undefined ? {} : { reasoning: summary }),
    ...(effort === undefined ? {} : { reasoningTokens: reasoningTokensOf[effort] ?? 0 })
  }
  let lastUser = input.length - 1
  while (lastUser >= 0 && input[lastUser]?.["role"] !== "user") lastUser--
  const outputs = input.slice(lastUser + 1).filter((item) => item["type"] === "function_call_output")
  if (outputs.length > 0) {
    return text(`The tool returned ${String(outputs[outputs.length - 1]?.["output"])}.`, options)
  }
  const said = lastUserText(input)
  const asked = directive.exec(said)
  if (asked !== null) {
    const name = asked[1] ?? ""
    const tools = Array.isArray(body["tools"]) ? body["tools"].filter(isRecord) : []
    const tool = tools.find((t) => t["type"] === "function" && t["name"] === name)
    if (tool === undefined) return text(`There is no function tool named ${name} in this request.`, options)
    const generated = exampleOf(tool["parameters"] ?? { type: "object" })
    let given: unknown = {}
    try {
      given = asked[2] === undefined ? {} : JSON.parse(asked[2])
    } catch {
      return text(`The arguments after "with" are not a JSON object: ${asked[2]}`, options)
    }
    return functionCall(name, { ...(isRecord(generated) ? generated : {}), ...(isRecord(given) ? given : {}) }, options)
  }
  const format = isRecord(body["text"]) ? body["text"]["format"] : undefined
  if (isRecord(format) && format["type"] === "json_schema") {
    return text(JSON.stringify(exampleOf(format["schema"])), options)
  }
  return text(`You said: ${said}`, options)
}

/** The opaque summary of a folded history: its size, and that the emulator made it. */
const compactionOf = (folded: number) => `gAAAAB-emulated-compaction-of-${folded}-items`

/**
 * The answer to a `/responses` request ending in a `compaction_trigger` (§8.0): a stream
 * with one `compaction` item standing for everything but the kept messages, so the
 * history the client rebuilds is shorter than the one it sent (for any history with more
 * than one item to fold).
 */
export const compactionReply = (body: Json): Reply => {
  const input = Array.isArray(body["input"]) ? body["input"].filter(isRecord) : []
  const history = input.filter((item) => item["type"] !== "compaction_trigger")
  const folded = history.filter((item) => !kept(item)).length
  return sse(
    compactionEvents(compactionOf(folded), { model: typeof body["model"] === "string" ? body["model"] : "gpt-5.4" })
  )
}

/** Whether a request is a compaction (its last input item is the trigger). */
export const isCompactionRequest = (body: Json): boolean => {
  const input = body["input"]
  if (!Array.isArray(input) || input.length === 0) return false
  const last = input[input.length - 1]
  return isRecord(last) && last["type"] === "compaction_trigger"
}

/** The messages a compaction keeps (§8.0). */
const kept = (item: Json): boolean =>
  item["type"] === "message" && ["user", "developer", "system"].includes(String(item["role"]))

/** The legacy route's answer (§8.1): the kept messages, everything else folded into one compaction item. */
export const compacted = (body: Json) => {
  const input = Array.isArray(body["input"]) ? body["input"].filter(isRecord) : []
  const keep = input.filter(kept)
  return {
    id: freshId("cmp"),
    object: "response.compacted",
    output: [...keep, { type: "compaction", encrypted_content: compactionOf(input.length - keep.length) }],
    usage: { input_tokens: 100 * input.length, output_tokens: 50, total_tokens: 100 * input.length + 50 }
  }
}
