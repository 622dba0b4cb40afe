/**
 * Request building for `/responses` and `/responses/compact` (protocol §4, §8): the
 * parameter allow-lists, local rejection of what the backend refuses, and the
 * normalisation rules of §4.4.
 *
 * @internal
 */
import { Effect } from "effect"
import type { ParameterPolicy } from "../CodexConfig.js"
import { InvalidParameter, UnsupportedParameter } from "../CodexError.js"
import { isHeaderSafe } from "./headerValue.js"
import { isRecord } from "./jsonGuards.js"

type Json = Record<string, unknown>

/** The 13 fields a caller may set on `/responses` (§4.1). @internal */
export const responsesFields: ReadonlySet<string> = new Set([
  "model",
  "instructions",
  "input",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "store",
  "stream",
  "include",
  "reasoning",
  "text",
  "prompt_cache_key",
  "service_tier"
])

/** The fields of `/responses/compact` (§8). @internal */
export const compactFields: ReadonlySet<string> = new Set([
  "model",
  "instructions",
  "input",
  "tools",
  "parallel_tool_calls",
  "reasoning",
  "text",
  "service_tier",
  "prompt_cache_key"
])

/**
 * Parameters of the public Responses API the backend is known to reject (§4.3), observed
 * or without any verified success. Any other unknown key is rejected too; this list only
 * documents the usual suspects.
 *
 * @internal
 */
export const knownUnsupported: ReadonlyArray<string> = [
  "max_output_tokens",
  "max_tokens",
  "max_completion_tokens",
  "temperature",
  "top_p",
  "frequency_penalty",
  "presence_penalty",
  "stop",
  "seed",
  "metadata",
  "user",
  "safety_identifier",
  "truncation",
  "previous_response_id",
  "conversation",
  "background",
  "prompt",
  "stream_options",
  "prompt_cache_retention",
  "max_tool_calls",
  "top_logprobs",
  "context_management",
  "prompt_cache_options",
  "moderation"
]

type Fail = UnsupportedParameter | InvalidParameter

const invalid = (parameter: string, reason: string) => new InvalidParameter({ parameter, detail: reason })

/** Rejects (strict) or drops with a warning (lenient) every key outside `allowed`. @internal */
export const checkFields = (
  params: object,
  allowed: ReadonlySet<string>,
  endpoint: string,
  policy: ParameterPolicy
): Effect.Effect<Json, UnsupportedParameter> =>
  Effect.suspend(() => {
    const kept: Json = {}
    const dropped: Array<string> = []
    for (const [key, value] of Object.entries(params)) {
      if (value === undefined) continue
      if (allowed.has(key)) kept[key] = value
      else if (policy === "strict") {
        return Effect.fail(new UnsupportedParameter({ parameter: key, endpoint, origin: "client" }))
      } else dropped.push(key)
    }
    return dropped.length === 0 ? Effect.succeed(kept) : Effect.as(
      Effect.logWarning(`Dropped parameters the Codex backend does not support on ${endpoint}: ${dropped.join(", ")}`),
      kept
    )
  })

const messageRoles: ReadonlySet<string> = new Set(["user", "assistant", "system", "developer"])

const contentPart = (role: string, part: unknown, path: string): unknown => {
  if (typeof part === "string") {
    return role === "assistant"
      ? { type: "output_text", text: part, annotations: [] }
      : { type: "input_text", text: part }
  }
  if (!isRecord(part) || typeof part["type"] !== "string") {
    throw invalid(path, "a content part must be a string or an object with a \"type\"")
  }
  return part
}

const withoutId = (item: Readonly<Record<string, unknown>>): Json => {
  const { id: _id, ...rest } = item
  return rest
}

/**
 * Normalises `input` (§4.4): string → one user message; role-only items → messages;
 * string content → parts; ids stripped; `item_reference` refused; every tool output must
 * follow its call.
 *
 * @internal
 */
export const normalizeInput = (input: unknown): Array<Json> => {
  if (typeof input === "string") {
    return [{ type: "message", role: "user", content: [{ type: "input_text", text: input }] }]
  }
  if (!Array.isArray(input)) throw invalid("input", "must be a string or an array of input items")
  const calls = new Set<string>()
  const items: Array<Json> = []
  for (let i = 0; i < input.length; i++) {
    const raw: unknown = input[i]
    const path = `input[${i}]`
    if (!isRecord(raw)) throw invalid(path, "an input item must be an object")
    const type = raw["type"] ?? (raw["role"] !== undefined ? "message" : undefined)
    if (typeof type !== "string") {
      throw invalid(`${path}.type`, "an input item needs a \"type\" (or a \"role\" for a message)")
    }
    if (type === "item_reference") {
      throw invalid(
        path,
        "item_reference cannot be sent: the Codex backend stores nothing (store: false), so replay the full item instead"
      )
    }
    const item = withoutId(raw)
    if (type === "message") {
      const role = raw["role"]
      if (typeof role !== "string" || !messageRoles.has(role)) {
        throw invalid(`${path}.role`, "must be one of user, assistant, system, developer")
      }
      const content = raw["content"]
      item["type"] = "message"
      if (typeof content === "string") item["content"] = [contentPart(role, content, `${path}.content`)]
      else if (Array.isArray(content)) {
        item["content"] = content.map((part, j) => contentPart(role, part, `${path}.content[${j}]`))
      } else throw invalid(`${path}.content`, "must be a string or an array of content parts")
    } else if (type === "function_call" || type === "custom_tool_call") {
      const callId = raw["call_id"]
      if (typeof callId !== "string" || callId === "") throw invalid(`${path}.call_id`, "a tool call needs a call_id")
      calls.add(callId)
    } else if (type === "function_call_output" || type === "custom_tool_call_output") {
      const callId = raw["call_id"]
      if (typeof callId !== "string" || !calls.has(callId)) {
        throw invalid(
          `${path}.call_id`,
          `no tool call with call_id ${
            JSON.stringify(callId)
          } comes before this output in input (replay the call item first)`
        )
      }
    }
    items.push(item)
  }
  return items
}

const toolName = /^[a-zA-Z0-9_-]+$/

const typeIncludes = (schema: Readonly<Record<string, unknown>>, type: string): boolean => {
  const t = schema["type"]
  return t === type || (Array.isArray(t) && t.includes(type))
}

/**
 * Walks a JSON Schema: array schemas need `items`; in strict mode every object needs
 * `additionalProperties: false` and lists all its properties in `required`.
 *
 * @internal
 */
export const checkSchema = (schema: unknown, path: string, strict: boolean): void => {
  if (!isRecord(schema)) return
  if (typeIncludes(schema, "array") && schema["items"] === undefined && schema["prefixItems"] === undefined) {
    throw invalid(path, "an array schema needs \"items\"")
  }
  const properties = isRecord(schema["properties"]) ? schema["properties"] : undefined
  if (strict && (typeIncludes(schema, "object") || properties !== undefined)) {
    if (schema["additionalProperties"] !== false) {
      throw invalid(path, "strict mode needs \"additionalProperties\": false on every object schema")
    }
    const required = Array.isArray(schema["required"]) ? schema["required"] : []
    const missing = Object.keys(properties ?? {}).filter((key) => !required.includes(key))
    if (missing.length > 0) {
      throw invalid(
        path,
        `strict mode needs every property in "required" (missing: ${
          missing.join(", ")
        }); make optional ones nullable with anyOf [..., {"type": "null"}]`
      )
    }
  }
  for (const [key, value] of Object.entries(properties ?? {})) checkSchema(value, `${path}.properties.${key}`, strict)
  for (const key of ["$defs", "definitions"]) {
    const defs = schema[key]
    if (isRecord(defs)) {
      for (const [name, value] of Object.entries(defs)) checkSchema(value, `${path}.${key}.${name}`, strict)
    }
  }
  for (const key of ["anyOf", "oneOf", "allOf", "prefixItems"]) {
    const list = schema[key]
    if (Array.isArray(list)) list.forEach((value, i) => checkSchema(value, `${path}.${key}[${i}]`, strict))
  }
  if (isRecord(schema["items"])) checkSchema(schema["items"], `${path}.items`, strict)
  if (isRecord(schema["additionalProperties"])) {
    checkSchema(schema["additionalProperties"], `${path}.additionalProperties`, strict)
  }
}

/** Normalises `tools` (§4.4): the chat shape is flattened, names and schemas checked. @internal */
export const normalizeTools = (tools: unknown): Array<Json> => {
  if (tools === undefined) return []
  if (!Array.isArray(tools)) throw invalid("tools", "must be an array")
  return tools.map((raw: unknown, i) => {
    const path = `tools[${i}]`
    if (!isRecord(raw) || typeof raw["type"] !== "string") {
      throw invalid(path, "a tool must be an object with a \"type\"")
    }
    if (raw["type"] !== "function") return { ...raw }
    const nested = raw["function"]
    const tool: Json = isRecord(nested) ? { type: "function", ...nested } : { ...raw }
    const name = tool["name"]
    if (typeof name !== "string" || !toolName.test(name)) {
      throw invalid(`${path}.name`, `must match ^[a-zA-Z0-9_-]+$, got ${JSON.stringify(name)}`)
    }
    if (tool["parameters"] !== undefined && !isRecord(tool["parameters"])) {
      throw invalid(`${path}.parameters`, "must be a JSON Schema object")
    }
    checkSchema(tool["parameters"], `${path}.parameters`, tool["strict"] === true)
    return tool
  })
}

const toolChoice = (choice: unknown, tools: ReadonlyArray<Json>): unknown => {
  if (choice === undefined) return "auto"
  if (choice === "auto" || choice === "none" || choice === "required") return choice
  if (isRecord(choice) && choice["type"] === "function") {
    const name = choice["name"]
    if (!tools.some((tool) => tool["type"] === "function" && tool["name"] === name)) {
      throw invalid("tool_choice.name", `no function tool named ${JSON.stringify(name)} is in tools`)
    }
    return choice
  }
  if (isRecord(choice) && typeof choice["type"] === "string") return choice
  throw invalid("tool_choice", "must be \"auto\", \"none\", \"required\" or {\"type\": \"function\", \"name\": …}")
}

/** Flattens `text.format` (§4.4) and checks a strict JSON Schema. @internal */
export const normalizeText = (text: unknown): Json | undefined => {
  if (text === undefined || text === null) return undefined
  if (!isRecord(text)) throw invalid("text", "must be an object ({verbosity?, format?})")
  const result: Json = { ...text }
  const format = text["format"]
  if (format === undefined) return result
  if (!isRecord(format) || typeof format["type"] !== "string") {
    throw invalid("text.format", "must be an object with a \"type\"")
  }
  if (format["type"] !== "json_schema") {
    result["format"] = format
    return result
  }
  const source = isRecord(format["json_schema"]) ? format["json_schema"] : format
  const schema = source["schema"]
  if (!isRecord(schema)) throw invalid("text.format.schema", "a json_schema format needs a JSON Schema object")
  const title = schema["title"]
  const name = typeof source["name"] === "string" && source["name"] !== ""
    ? source["name"]
    : typeof title === "string" && toolName.test(title)
    ? title
    : "codex_output_schema"
  const strict = source["strict"] !== false
  checkSchema(schema, "text.format.schema", strict)
  result["format"] = {
    type: "json_schema",
    name,
    schema,
    strict,
    ...(typeof source["description"] === "string" ? { description: source["description"] } : {})
  }
  return result
}

const checkString = (params: Json, key: string): string | undefined => {
  const value = params[key]
  if (value === undefined) return undefined
  if (typeof value !== "string") throw invalid(key, "must be a string")
  return value
}

const checkModel = (params: Json, defaultModel: string): string => {
  const model = checkString(params, "model") ?? defaultModel
  if (model.trim() === "") throw invalid("model", "must not be empty")
  return model
}

const checkServiceTier = (params: Json): void => {
  const tier = params["service_tier"]
  if (tier !== undefined && tier !== "default" && tier !== "priority") {
    throw invalid(
      "service_tier",
      `only "default" and "priority" are accepted by the Codex backend, got ${JSON.stringify(tier)}`
    )
  }
}

const checkReasoning = (params: Json): Json | undefined => {
  const reasoning = params["reasoning"]
  if (reasoning === undefined || reasoning === null) return undefined
  if (!isRecord(reasoning)) throw invalid("reasoning", "must be an object ({effort?, summary?})")
  for (const key of ["effort", "summary", "context"]) {
    if (reasoning[key] !== undefined && reasoning[key] !== null && typeof reasoning[key] !== "string") {
      throw invalid(`reasoning.${key}`, "must be a string")
    }
  }
  return { ...reasoning }
}

const attempt = <A>(build: () => A): Effect.Effect<A, InvalidParameter> =>
  Effect.try({
    try: build,
    catch: (error) => (error instanceof InvalidParameter ? error : invalid("params", String(error)))
  })

interface BodyOptions {
  readonly defaultModel: string
  readonly policy: ParameterPolicy
  readonly endpoint: string
}

/** The fields both endpoints share, checked and normalised. */
const commonBody = (fields: Json, defaultModel: string): { readonly body: Json; readonly tools: Array<Json> } => {
  const tools = normalizeTools(fields["tools"])
  const parallel = fields["parallel_tool_calls"]
  if (parallel !== undefined && typeof parallel !== "boolean") throw invalid("parallel_tool_calls", "must be a boolean")
  checkServiceTier(fields)
  const reasoning = checkReasoning(fields)
  const text = normalizeText(fields["text"])
  const promptCacheKey = checkString(fields, "prompt_cache_key")
  if (promptCacheKey !== undefined && !isHeaderSafe(promptCacheKey)) {
    throw invalid(
      "prompt_cache_key",
      "it is also sent as the session_id header, so it must not contain CR, LF, NUL or characters outside Latin-1"
    )
  }
  const body: Json = {
    model: checkModel(fields, defaultModel),
    // Always a string (§4.2's safe rule): required until 2026, accepted in every period,
    // though the backend now also takes a request without it (the Codex CLI 0.169 sends none).
    instructions: checkString(fields, "instructions") ?? "",
    input: normalizeInput(fields["input"]),
    tools,
    parallel_tool_calls: parallel ?? false
  }
  if (reasoning !== undefined) body["reasoning"] = reasoning
  if (text !== undefined) body["text"] = text
  if (promptCacheKey !== undefined) body["prompt_cache_key"] = promptCacheKey
  if (fields["service_tier"] !== undefined) body["service_tier"] = fields["service_tier"]
  return { body, tools }
}

/**
 * The `/responses` body: every always-sent field present (§4.1), `store: false`,
 * `stream: true`, `tool_choice` whenever `tools` is sent.
 *
 * @internal
 */
export const responsesBody = (params: object, options: BodyOptions): Effect.Effect<Json, Fail> =>
  Effect.flatMap(checkFields(params, responsesFields, options.endpoint, options.policy), (fields) =>
    attempt(() => {
      if (fields["store"] !== undefined && fields["store"] !== false) {
        throw invalid("store", "the Codex backend stores nothing; store must be false (or omitted)")
      }
      const include = fields["include"]
      if (include !== undefined && !(Array.isArray(include) && include.every((x) => typeof x === "string"))) {
        throw invalid("include", "must be an array of strings")
      }
      const { body, tools } = commonBody(fields, options.defaultModel)
      body["tool_choice"] = toolChoice(fields["tool_choice"], tools)
      body["store"] = false
      body["stream"] = true
      body["include"] = include ?? (body["reasoning"] === undefined ? [] : ["reasoning.encrypted_content"])
      return body
    }))

/**
 * The `/responses/compact` body (§8): no `stream`, `store`, `include` or `tool_choice`.
 *
 * @internal
 */
export const compactBody = (params: object, options: BodyOptions): Effect.Effect<Json, Fail> =>
  Effect.flatMap(
    checkFields(params, compactFields, options.endpoint, options.policy),
    (fields) => attempt(() => commonBody(fields, options.defaultModel).body)
  )
