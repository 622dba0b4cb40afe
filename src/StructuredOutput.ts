/**
 * Structured output from an `effect/Schema`: the strict JSON Schema the backend accepts,
 * the `text.format` that carries it, and the decoding of the model's reply back into the
 * schema's type.
 *
 * The JSON Schema comes from `JSONSchema.fromAST` and is then made strict (protocol §4.4 and
 * OpenAI's structured-output subset):
 *
 * - every object lists all its properties in `required` and has `additionalProperties: false`
 *   (nested objects and `$defs` too); an optional property becomes `anyOf [<schema>, {"type": "null"}]`,
 *   and a `null` the model sends for it is decoded back to an absent property;
 * - keywords strict mode does not take (`minLength`, `maxLength`, `uniqueItems`, unknown
 *   `format`s, `default`, `examples`, ...) are removed, each with a note, and appended to the
 *   `description` so the model still reads them. The reply is decoded with the full schema,
 *   so those constraints are still enforced;
 * - a tuple becomes an array of the union of its element types (with a note);
 * - a root that is not an object (an array, a union, a string...) is wrapped as
 *   `{"value": <schema>}` and unwrapped when decoding;
 * - records (index signatures) cannot be expressed in strict mode and fail with
 *   `InvalidParameter` (use `strict: false`, or an array of `{ key, value }`).
 *
 * @since 0.1.0
 */
import { Effect, JSONSchema, Option, ParseResult, Schema, SchemaAST as AST } from "effect"
import { InvalidParameter, OutputMismatch } from "./CodexError.js"
import { isRecord } from "./internal/jsonGuards.js"

type Json = Record<string, unknown>

/**
 * The options of {@link make}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * The format's `name` (`^[a-zA-Z0-9_-]+$`, at most 64 characters). Defaults to the
   * schema's `identifier` or `title` annotation, then to `"output"`.
   */
  readonly name?: string | undefined
  /** A description of the expected output; defaults to the schema's `description` annotation. */
  readonly description?: string | undefined
  /** Strict mode (default `true`): the backend constrains the reply to the schema. */
  readonly strict?: boolean | undefined
}

/**
 * A schema prepared for structured output: what to send and how to read the reply.
 *
 * @since 0.1.0
 * @category models
 */
export interface StructuredOutput<A, I = A, R = never> {
  readonly schema: Schema.Schema<A, I, R>
  /** The format name sent to the backend. */
  readonly name: string
  readonly description: string | undefined
  readonly strict: boolean
  /** The JSON Schema sent to the backend. */
  readonly jsonSchema: Readonly<Record<string, unknown>>
  /** Whether the schema's root was wrapped as `{"value": …}` (the root was not an object). */
  readonly wrapped: boolean
  /** What the conversion removed or changed, one sentence each. */
  readonly notes: ReadonlyArray<string>
  /** The `text.format` to send. */
  readonly format: {
    readonly type: "json_schema"
    readonly name: string
    readonly description?: string
    readonly schema: Readonly<Record<string, unknown>>
    readonly strict: boolean
  }
  /** Decodes the model's reply text (JSON) into the schema's type. */
  readonly decode: (text: string) => Effect.Effect<A, OutputMismatch, R>
  /**
   * The parsed JSON of a reply, normalised for the schema: unwrapped, and the `null`s of
   * absent optional properties removed. `decode` is `JSON.parse` + this + the schema's decoding.
   */
  readonly normalize: (json: unknown) => unknown
}

const formatName = /^[a-zA-Z0-9_-]+$/

const sanitizeName = (name: string): string => {
  const cleaned = name.replace(/[^a-zA-Z0-9_-]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 64)
  return cleaned === "" ? "output" : cleaned
}

const annotation = (ast: AST.AST, get: (ast: AST.Annotated) => Option.Option<string>): string | undefined => {
  const own = Option.getOrUndefined(get(ast))
  if (own !== undefined) return own
  if (ast._tag === "Transformation") return Option.getOrUndefined(get(ast.to)) ?? Option.getOrUndefined(get(ast.from))
  return undefined
}

/**
 * The name a schema gets as a format or tool: its `identifier` annotation, else its
 * `title`, made to fit `^[a-zA-Z0-9_-]+$`; `undefined` when it has neither.
 *
 * @since 0.1.0
 * @category getters
 */
export const nameOf = (schema: Schema.Schema.All): string | undefined => {
  const name = annotation(schema.ast, AST.getIdentifierAnnotation) ?? annotation(schema.ast, AST.getTitleAnnotation)
  return name === undefined ? undefined : sanitizeName(name)
}

// ---------------------------------------------------------------------------------------
// JSON Schema → strict JSON Schema
// ---------------------------------------------------------------------------------------

/** Keywords strict mode takes; everything else is removed. */
const kept: ReadonlySet<string> = new Set([
  "type",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "anyOf",
  "enum",
  "const",
  "$ref",
  "$defs",
  "definitions",
  "description",
  "title",
  "pattern",
  "format",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minItems",
  "maxItems"
])

/** Removed without a note: they carry no constraint. */
const silent: ReadonlySet<string> = new Set(["$schema", "$id", "$comment", "additionalItems", "readOnly", "writeOnly"])

/** The `format` values strict mode accepts. */
const formats: ReadonlySet<string> = new Set([
  "date-time",
  "time",
  "date",
  "duration",
  "email",
  "hostname",
  "ipv4",
  "ipv6",
  "uuid"
])

class Unsupported {
  constructor(readonly path: string, readonly reason: string) {}
}

const acceptsNull = (schema: unknown): boolean => {
  if (!isRecord(schema)) return false
  const type = schema["type"]
  if (type === "null" || (Array.isArray(type) && type.includes("null"))) return true
  if ("const" in schema && schema["const"] === null) return true
  if (Array.isArray(schema["enum"]) && schema["enum"].includes(null)) return true
  const anyOf = schema["anyOf"]
  return Array.isArray(anyOf) && anyOf.some(acceptsNull)
}

const nullable = (schema: unknown): Json => {
  if (
    isRecord(schema) && Array.isArray(schema["anyOf"]) &&
    Object.keys(schema).every((k) => k === "anyOf" || k === "description")
  ) {
    return { ...schema, anyOf: [...schema["anyOf"], { type: "null" }] }
  }
  return { anyOf: [schema, { type: "null" }] }
}

const isObjectSchema = (schema: Json): boolean =>
  schema["type"] === "object" || (schema["type"] === undefined && isRecord(schema["properties"]))

const strictify = (node: unknown, path: string, notes: Array<string>): unknown => {
  if (!isRecord(node)) return node
  const out: Json = {}
  const dropped: Array<string> = []
  for (const [key, value] of Object.entries(node)) {
    if (silent.has(key)) continue
    if (key === "oneOf") {
      // A union is `anyOf` in strict mode; the reply is decoded with the schema anyway.
      out["anyOf"] = value
      continue
    }
    if (key === "allOf" || key === "not" || key === "if" || key === "then" || key === "else") {
      throw new Unsupported(path, `"${key}" cannot be expressed in strict mode`)
    }
    if (key === "format" && !(typeof value === "string" && formats.has(value))) {
      dropped.push(`format: ${JSON.stringify(value)}`)
      continue
    }
    if (key === "items" && Array.isArray(value)) {
      // A tuple: strict mode has no positional items.
      const members = value.map((item, i) => strictify(item, `${path}/items/${i}`, notes))
      const unique = members.filter((m, i) => members.findIndex((n) => JSON.stringify(n) === JSON.stringify(m)) === i)
      out["items"] = unique.length === 1 ? unique[0] : { anyOf: unique }
      notes.push(
        `${path}: a tuple is sent as an array of ${
          unique.length === 1 ? "its element type" : "the union of its element types"
        }; positions are checked when the reply is decoded`
      )
      continue
    }
    if (!kept.has(key)) {
      dropped.push(`${key}: ${JSON.stringify(value)}`)
      continue
    }
    out[key] = value
  }
  if (dropped.length > 0) {
    notes.push(
      `${path}: removed ${dropped.join(", ")} (strict mode does not take it; the reply is still checked when decoded)`
    )
    const hint = `[${dropped.join(", ")}]`
    out["description"] = typeof out["description"] === "string" ? `${out["description"]} ${hint}` : hint
  }
  for (const key of ["$defs", "definitions"]) {
    const defs = out[key]
    if (isRecord(defs)) {
      const converted: Json = {}
      for (const [name, def] of Object.entries(defs)) converted[name] = strictify(def, `#/${key}/${name}`, notes)
      out[key] = converted
    }
  }
  if (Array.isArray(out["anyOf"])) out["anyOf"] = out["anyOf"].map((s, i) => strictify(s, `${path}/anyOf/${i}`, notes))
  if (isRecord(out["items"]) && !Array.isArray(node["items"])) {
    out["items"] = strictify(out["items"], `${path}/items`, notes)
  }
  if (isObjectSchema(out)) {
    const properties = isRecord(out["properties"]) ? out["properties"] : {}
    const additional = out["additionalProperties"]
    if (additional !== undefined && additional !== false) {
      throw new Unsupported(
        path,
        "a record (index signature) cannot be expressed in strict mode; use a Struct, an Array of { key, value }, or strict: false"
      )
    }
    const required = new Set(Array.isArray(out["required"]) ? out["required"] : [])
    const converted: Json = {}
    for (const [key, value] of Object.entries(properties)) {
      const child = strictify(value, `${path}/properties/${key}`, notes)
      converted[key] = required.has(key) || acceptsNull(child) ? child : nullable(child)
    }
    out["type"] = "object"
    out["properties"] = converted
    out["required"] = Object.keys(converted)
    out["additionalProperties"] = false
  }
  return out
}

/**
 * Makes a JSON Schema strict (see the module description): every property required,
 * optional ones nullable, `additionalProperties: false` everywhere, unsupported keywords
 * removed with a note. Works on hand-written schemas too.
 *
 * @since 0.1.0
 * @category conversions
 */
export const toStrict = (
  jsonSchema: Readonly<Record<string, unknown>>
): Effect.Effect<
  { readonly jsonSchema: Readonly<Record<string, unknown>>; readonly notes: ReadonlyArray<string> },
  InvalidParameter
> =>
  Effect.suspend(() => {
    const notes: Array<string> = []
    try {
      const converted = strictify(jsonSchema, "#", notes)
      return Effect.succeed({ jsonSchema: isRecord(converted) ? converted : {}, notes })
    } catch (error) {
      if (error instanceof Unsupported) {
        return Effect.fail(new InvalidParameter({ parameter: "schema", detail: `at ${error.path}: ${error.reason}` }))
      }
      throw error
    }
  })

/**
 * The JSON Schema of an `effect/Schema` (its encoded side, as `JSONSchema.fromAST` gives it,
 * with the top-level reference inlined), before strict-mode conversion. Schemas without a
 * JSON Schema (a `Schema.declare` without annotation...) fail with `InvalidParameter`.
 *
 * @since 0.1.0
 * @category conversions
 */
export const fromSchema = (
  schema: Schema.Schema.All
): Effect.Effect<Readonly<Record<string, unknown>>, InvalidParameter> =>
  Effect.try({
    try: () => {
      const definitions: Record<string, JSONSchema.JsonSchema7> = {}
      const root: Json = { ...JSONSchema.fromAST(schema.ast, { definitions, topLevelReferenceStrategy: "skip" }) }
      delete root["$schema"]
      if (Object.keys(definitions).length > 0) root["$defs"] = { ...definitions }
      return root
    },
    catch: (error) =>
      new InvalidParameter({
        parameter: "schema",
        detail: `no JSON Schema can be generated for it: ${error instanceof Error ? error.message : String(error)}`
      })
  })

/** Wraps a root that is not an object as `{"value": root}`, keeping `$defs` at the root. */
const wrapRoot = (
  root: Readonly<Record<string, unknown>>
): { readonly jsonSchema: Json; readonly wrapped: boolean } => {
  if (isObjectSchema(root) && root["anyOf"] === undefined) return { jsonSchema: { ...root }, wrapped: false }
  const { $defs, definitions, ...inner } = root
  return {
    jsonSchema: {
      type: "object",
      properties: { value: inner },
      required: ["value"],
      additionalProperties: false,
      ...($defs === undefined ? {} : { $defs }),
      ...(definitions === undefined ? {} : { definitions })
    },
    wrapped: true
  }
}

// ---------------------------------------------------------------------------------------
// Reply → schema type
// ---------------------------------------------------------------------------------------

const validates = (ast: AST.AST, value: unknown): boolean => ParseResult.is(Schema.make(ast))(value)

/**
 * Walks a JSON value along a schema's encoded side and removes the `null` of every
 * optional property whose schema does not take `null` (strict mode makes the model send
 * `null` for "absent").
 */
const stripNulls = (ast: AST.AST, value: unknown): unknown => {
  switch (ast._tag) {
    case "Suspend":
      return stripNulls(ast.f(), value)
    case "Refinement":
      return stripNulls(ast.from, value)
    case "Transformation":
      return stripNulls(ast.from, value)
    case "TypeLiteral": {
      if (!isRecord(value)) return value
      const out: Json = { ...value }
      for (const ps of ast.propertySignatures) {
        const key = ps.name
        if (typeof key !== "string" || !(key in out)) continue
        if (out[key] === null && ps.isOptional && !validates(ps.type, null)) delete out[key]
        else out[key] = stripNulls(ps.type, out[key])
      }
      for (const is of ast.indexSignatures) {
        for (const key of Object.keys(out)) {
          if (!ast.propertySignatures.some((ps) => ps.name === key)) out[key] = stripNulls(is.type, out[key])
        }
      }
      return out
    }
    case "TupleType": {
      if (!Array.isArray(value)) return value
      return value.map((item: unknown, i) => {
        const element = ast.elements[i]
        if (element !== undefined) return stripNulls(element.type, item)
        const rest = ast.rest[0]
        return rest === undefined ? item : stripNulls(rest.type, item)
      })
    }
    case "Union": {
      if (value === null) return value
      for (const member of ast.types) {
        const candidate = stripNulls(member, value)
        if (validates(member, candidate)) return candidate
      }
      return value
    }
    default:
      return value
  }
}

const formatIssue = (error: ParseResult.ParseError): string => ParseResult.TreeFormatter.formatErrorSync(error)

/**
 * Prepares a schema for structured output: the strict JSON Schema, the `text.format` to
 * send, and the decoder of the reply.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { StructuredOutput } from "codex-backend-sdk"
 *
 * const Person = Schema.Struct({ name: Schema.String, age: Schema.optional(Schema.Number) })
 *   .annotations({ identifier: "Person" })
 *
 * const program = Effect.gen(function*() {
 *   const output = yield* StructuredOutput.make(Person)
 *   output.format // { type: "json_schema", name: "Person", strict: true, schema: {...} }
 *   return yield* output.decode("{\"name\":\"Bob\",\"age\":null}") // { name: "Bob" }
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <A, I, R>(
  schema: Schema.Schema<A, I, R>,
  options: Options = {}
): Effect.Effect<StructuredOutput<A, I, R>, InvalidParameter> =>
  Effect.gen(function*() {
    if (options.name !== undefined && (!formatName.test(options.name) || options.name.length > 64)) {
      return yield* new InvalidParameter({
        parameter: "name",
        detail: `a format name must match ^[a-zA-Z0-9_-]+$ (at most 64 characters), got ${JSON.stringify(options.name)}`
      })
    }
    const strict = options.strict ?? true
    const raw = yield* fromSchema(schema)
    const { jsonSchema: root, notes } = strict ? yield* toStrict(raw) : { jsonSchema: raw, notes: [] }
    const { jsonSchema, wrapped } = wrapRoot(root)
    const name = options.name ?? nameOf(schema) ?? "output"
    const description = options.description ?? annotation(schema.ast, AST.getDescriptionAnnotation)
    const encoded = AST.encodedAST(schema.ast)
    const normalize = (json: unknown): unknown => {
      const value = wrapped && isRecord(json) && "value" in json ? json["value"] : json
      return strict ? stripNulls(encoded, value) : value
    }
    const decodeValue = Schema.decodeUnknown(schema)
    const decode = (text: string): Effect.Effect<A, OutputMismatch, R> =>
      Effect.suspend(() => {
        let json: unknown
        try {
          json = JSON.parse(text)
        } catch (error) {
          return Effect.fail(
            new OutputMismatch({
              schemaName: name,
              text,
              issue: `not valid JSON: ${error instanceof Error ? error.message : String(error)}`
            })
          )
        }
        return Effect.mapError(
          decodeValue(normalize(json)),
          (error) => new OutputMismatch({ schemaName: name, text, issue: formatIssue(error), cause: error })
        )
      })
    return {
      schema,
      name,
      description,
      strict,
      jsonSchema,
      wrapped,
      notes,
      format: {
        type: "json_schema",
        name,
        ...(description === undefined ? {} : { description }),
        schema: jsonSchema,
        strict
      },
      decode,
      normalize
    }
  })

/**
 * The `null`s of absent optional properties removed from a JSON value, along a schema's
 * encoded side: what a strict reply (or strict tool arguments) needs before decoding.
 *
 * @since 0.1.0
 * @category decoding
 */
export const removeOptionalNulls = (schema: Schema.Schema.All, json: unknown): unknown =>
  stripNulls(AST.encodedAST(schema.ast), json)
