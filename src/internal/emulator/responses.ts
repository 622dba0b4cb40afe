/**
 * The `/responses` and `/responses/compact` routes of the emulator: validation as the
 * backend does it (protocol §4.2) and the answers to unscripted requests.
 *
 * @internal
 */
import { knownUnsupported } from "../request.js"
import { isRecord } from "../json.js"
import type { EventOptions } from "./events.js"
import type { Reply } from "./replies.js"
import { functionCall, http, text } from "./replies.js"

type Json = Record<string, unknown>

const resolveRef = (root: unknown, ref: string): unknown => {
  let node: unknown = root
  for (const key of ref.slice(2).split("/")) node = isRecord(node) ? node[key] : undefined
  return node
}

/** A value that fits a JSON Schema, for emulated structured output and tool arguments. */
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
      for (const [key, value] of Object.entries(properties)) out[key] = exampleOf(value, key, root, depth + 1)
      return out
    }
    case "array":
      // Recursive schemas (a tree of `$ref`s) end in empty arrays.
      return depth > 4 ? [] : [exampleOf(schema["items"], name, root, depth + 1)]
    case "integer":
      return 42
    case "number":
      return 4.2
    case "boolean":
      return true
    case "null":
      return null
    default:
      return name === "city" ? "Paris" : `example ${name}`
  }
}

const lastUserText = (input: ReadonlyArray<unknown>): string => {
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i]
    if (isRecord(item) && item["role"] === "user" && Array.isArray(item["content"])) {
      return item["content"].map((part) => (isRecord(part) && typeof part["text"] === "string" ? part["text"] : "")).join("")
    }
  }
  return ""
}

/** The answer to an unscripted request, computed from it. */
export const defaultReply = (body: Json): Reply => {
  const input = Array.isArray(body["input"]) ? body["input"] : []
  const model = typeof body["model"] === "string" ? body["model"] : "gpt-5.4"
  const reasoning = isRecord(body["reasoning"]) && typeof body["reasoning"]["summary"] === "string"
    ? "The user wants a short, direct answer."
    : undefined
  const options: EventOptions = { model, ...(reasoning === undefined ? {} : { reasoning }) }
  const outputs = input.filter((item) => isRecord(item) && item["type"] === "function_call_output")
  const tools = Array.isArray(body["tools"]) ? body["tools"].filter(isRecord) : []
  const tool = tools.find((t) => t["type"] === "function")
  if (outputs.length === 0 && tool !== undefined && typeof tool["name"] === "string") {
    return functionCall(tool["name"], exampleOf(tool["parameters"] ?? { type: "object" }), options)
  }
  if (outputs.length > 0) {
    const last = outputs[outputs.length - 1]
    return text(`The tool returned ${isRecord(last) ? String(last["output"]) : ""}.`, options)
  }
  const format = isRecord(body["text"]) ? body["text"]["format"] : undefined
  if (isRecord(format) && format["type"] === "json_schema") {
    return text(JSON.stringify(exampleOf(format["schema"])), options)
  }
  return text(`You said: ${lastUserText(input)}`, options)
}

// ---------------------------------------------------------------------------------------
// Validation, as the backend does it (§4.2)
// ---------------------------------------------------------------------------------------

export const detail = (message: string): Reply => http(400, { detail: message })

const validateItems = (input: unknown): Reply | undefined => {
  if (!Array.isArray(input)) return undefined
  const calls = new Set<string>()
  for (const item of input) {
    if (!isRecord(item)) continue
    if (item["type"] === "item_reference") return detail(`Item with id '${String(item["id"])}' not found.`)
    if (item["type"] === "function_call" || item["type"] === "custom_tool_call") calls.add(String(item["call_id"]))
    if (
      (item["type"] === "function_call_output" || item["type"] === "custom_tool_call_output") &&
      !calls.has(String(item["call_id"]))
    ) {
      return detail(`No tool call found for function call output with call_id ${String(item["call_id"])}.`)
    }
  }
  return undefined
}

export const validateResponses = (body: Json): Reply | undefined => {
  if (body["stream"] !== true) return detail("Stream must be set to true")
  if (body["store"] !== false) return detail("Store must be set to false")
  if (typeof body["instructions"] !== "string") return detail("Instructions are required")
  return validateCommon(body) ??
    (Array.isArray(body["tools"]) && body["tools"].length > 0 && body["tool_choice"] === undefined
      ? detail("tool_choice is required when tools are provided")
      : undefined)
}

export const validateCommon = (body: Json): Reply | undefined => {
  for (const name of knownUnsupported) {
    if (name in body) return detail(`Unsupported parameter: ${name}`)
  }
  const model = body["model"]
  if (typeof model !== "string" || model === "") return detail("Model is required")
  if (model.endsWith("-pro")) {
    return detail(`The '${model}' model is not supported when using Codex with a ChatGPT account.`)
  }
  const tier = body["service_tier"]
  if (tier !== undefined && tier !== "default" && tier !== "priority") {
    return detail(`Invalid service_tier: ${String(tier)}`)
  }
  return validateItems(body["input"])
}


/** The emulated compaction: user messages kept, everything else folded into one compaction item. */
export const compacted = (body: Json) => {
  const input = Array.isArray(body["input"]) ? body["input"] : []
  const kept = input.filter((item) => isRecord(item) && item["type"] === "message" && item["role"] === "user")
  const folded = input.length - kept.length
  return {
    id: "cmp_emulated",
    object: "response.compacted",
    output: [
      ...kept,
      { type: "compaction", encrypted_content: `gAAAAB-emulated-compaction-of-${folded}-items` }
    ],
    usage: { input_tokens: 100 * input.length, output_tokens: 50, total_tokens: 100 * input.length + 50 }
  }
}

