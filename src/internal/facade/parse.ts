/**
 * openai-node's `responses.parse` for the Promise client: a `text.format` of type
 * `json_schema` gives `output_parsed` on the response and `parsed` on each `output_text`
 * part. The reply is checked against the schema's strict subset (types, `required`,
 * `additionalProperties: false`, `items`, `enum`, `const`, `anyOf`, local `$ref`s) with no
 * JSON Schema library; a format carrying openai-node's `$parseRaw` (`zodTextFormat`) is
 * parsed by it instead. A refusal is `ModelRefusal`, a misfit `OutputMismatch`.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { InvalidParameter, ModelRefusal, OutputMismatch } from "../../CodexError.js"
import type { Response } from "../../Response.js"
import { refusalOf } from "../../Responses.js"
import { isRecord } from "../jsonGuards.js"

type Json = Readonly<Record<string, unknown>>

/**
 * A response of `responses.parse`: `output_parsed` is the structured answer.
 *
 * @since 0.1.0
 */
export type ParsedResponse<T> = Response & { readonly output_parsed: T | null }

const typeOk = (type: string, value: unknown): boolean => {
  switch (type) {
    case "object":
      return isRecord(value)
    case "array":
      return Array.isArray(value)
    case "string":
      return typeof value === "string"
    case "number":
      return typeof value === "number" && Number.isFinite(value)
    case "integer":
      return typeof value === "number" && Number.isInteger(value)
    case "boolean":
      return typeof value === "boolean"
    case "null":
      return value === null
    default:
      return true
  }
}

/** Why `value` does not fit `schema` (with the path), or `undefined` when it fits. */
const misfit = (root: Json, schema: unknown, value: unknown, path: string, depth = 0): string | undefined => {
  if (!isRecord(schema) || depth > 64) return undefined
  const ref = schema["$ref"]
  if (typeof ref === "string") {
    const target = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref)
    const defs = target === null ? undefined : root[target[1] ?? ""]
    return misfit(root, isRecord(defs) ? defs[target?.[2] ?? ""] : undefined, value, path, depth + 1)
  }
  const anyOf = schema["anyOf"]
  if (Array.isArray(anyOf) && !anyOf.some((option) => misfit(root, option, value, path, depth + 1) === undefined)) {
    return `${path} fits none of the schema's options`
  }
  const enumValues = schema["enum"]
  if (Array.isArray(enumValues) && !enumValues.some((v) => JSON.stringify(v) === JSON.stringify(value))) {
    return `${path} is not one of ${JSON.stringify(enumValues)}`
  }
  if ("const" in schema && JSON.stringify(schema["const"]) !== JSON.stringify(value)) {
    return `${path} is not ${JSON.stringify(schema["const"])}`
  }
  const type = schema["type"]
  const types = typeof type === "string"
    ? [type]
    : Array.isArray(type)
    ? type.filter((t): t is string => typeof t === "string")
    : []
  if (types.length > 0 && !types.some((t) => typeOk(t, value))) return `${path} is not ${types.join(" or ")}`
  if (isRecord(value)) {
    const properties = isRecord(schema["properties"]) ? schema["properties"] : {}
    const required = Array.isArray(schema["required"]) ? schema["required"] : []
    for (const key of required) if (typeof key === "string" && !(key in value)) return `${path}.${key} is missing`
    for (const [key, item] of Object.entries(value)) {
      if (key in properties) {
        const problem = misfit(root, properties[key], item, `${path}.${key}`, depth + 1)
        if (problem !== undefined) return problem
      } else if (schema["additionalProperties"] === false) return `${path}.${key} is not in the schema`
    }
  }
  if (Array.isArray(value) && "items" in schema) {
    for (const [i, item] of value.entries()) {
      const problem = misfit(root, schema["items"], item, `${path}[${i}]`, depth + 1)
      if (problem !== undefined) return problem
    }
  }
  return undefined
}

/** The `json_schema` format of a request, or `undefined` when it asks for none (no `output_parsed` then). */
const formatOf = (params: { readonly text?: unknown }): Json | undefined => {
  const format = isRecord(params.text) ? params.text["format"] : undefined
  return isRecord(format) && format["type"] === "json_schema" ? format : undefined
}

/**
 * Checks a `parse` request before sending: a `json_schema` format needs a `schema` object.
 *
 * @since 0.1.0
 */
export const check = (params: { readonly text?: unknown }): Effect.Effect<void, InvalidParameter> => {
  const format = formatOf(params)
  if (format === undefined || isRecord(format["schema"]) || typeof format["$parseRaw"] === "function") {
    return Effect.void
  }
  return Effect.fail(
    new InvalidParameter({ parameter: "text.format.schema", detail: "a json_schema format needs a schema object" })
  )
}

/**
 * `output_parsed` (and `parsed` on each `output_text` part) for a collected response.
 *
 * @since 0.1.0
 */
export const parse = <T>(
  params: { readonly text?: unknown },
  response: Response
): Effect.Effect<ParsedResponse<T>, ModelRefusal | OutputMismatch> =>
  Effect.gen(function*() {
    const format = formatOf(params)
    const refusal = refusalOf(response)
    if (refusal !== undefined) return yield* new ModelRefusal({ refusal, response })
    if (format === undefined) return { ...response, output_parsed: null }
    const name = typeof format["name"] === "string" ? format["name"] : "output"
    const parseRaw = format["$parseRaw"]
    const decode = (text: string): Effect.Effect<T, OutputMismatch> =>
      Effect.try({
        try: () => {
          if (typeof parseRaw === "function") return parseRaw(text) as T
          const value: unknown = JSON.parse(text)
          const schema = isRecord(format["schema"]) ? format["schema"] : {}
          const problem = misfit(schema, schema, value, "$")
          if (problem !== undefined) throw new Error(problem)
          return value as T
        },
        catch: (error) =>
          new OutputMismatch({
            schemaName: name,
            text,
            issue: error instanceof Error ? error.message : String(error),
            response
          })
      })
    const output = []
    for (const item of response.output) {
      const content = item["content"]
      if (item.type !== "message" || !Array.isArray(content)) {
        output.push(item)
        continue
      }
      const parts = []
      for (const part of content) {
        parts.push(
          isRecord(part) && part["type"] === "output_text" && typeof part["text"] === "string"
            ? { ...part, parsed: yield* decode(part["text"]) }
            : part
        )
      }
      output.push({ ...item, content: parts })
    }
    const parsed = yield* decode(response.output_text)
    return { ...response, output: output as Response["output"], output_parsed: parsed }
  })
