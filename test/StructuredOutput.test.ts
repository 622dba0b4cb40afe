import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Either, Layer, Schema, Stream } from "effect"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { Responses, StructuredOutput } from "../src/index.js"
import { textEvents } from "../src/internal/emulator/events.js"
import { layerClient } from "./helpers.js"

const withEmulator = Effect.provide(layerClient({ config: { retryBaseDelay: Duration.millis(1) } }))

const services = Effect.all({ responses: Responses.Responses, emulator: CodexEmulator.CodexEmulator })

const lastBody = Effect.map(
  CodexEmulator.CodexEmulator.pipe(Effect.flatMap((e) => e.requests)),
  (requests) => requests.at(-1)?.body as Record<string, unknown>
)

const Address = Schema.Struct({
  street: Schema.String,
  city: Schema.String,
  zip: Schema.optional(Schema.String)
}).annotations({ identifier: "Address" })

const Person = Schema.Struct({
  name: Schema.NonEmptyString,
  age: Schema.Int.pipe(Schema.between(0, 150)),
  role: Schema.Literal("admin", "user"),
  nickname: Schema.optional(Schema.String),
  middleName: Schema.NullOr(Schema.String),
  tags: Schema.Array(Schema.String),
  home: Address,
  previous: Schema.Array(Address),
  even: Schema.Number.pipe(Schema.filter((n) => n % 2 === 0, { message: () => "an even number" }))
}).annotations({ identifier: "Person", description: "A person found in the text" })

describe("StructuredOutput", () => {
  it.effect("a Schema becomes a strict JSON Schema: all required, optional as anyOf null, no additional properties", () =>
    Effect.gen(function*() {
      const output = yield* StructuredOutput.make(Person)
      assert.strictEqual(output.name, "Person")
      assert.strictEqual(output.description, "A person found in the text")
      assert.isFalse(output.wrapped)
      const schema = output.jsonSchema
      assert.deepStrictEqual(schema["required"], [
        "name",
        "age",
        "role",
        "nickname",
        "middleName",
        "tags",
        "home",
        "previous",
        "even"
      ])
      assert.strictEqual(schema["additionalProperties"], false)
      const properties = schema["properties"] as Record<string, Record<string, unknown>>
      assert.deepStrictEqual(properties["nickname"], { anyOf: [{ type: "string" }, { type: "null" }] })
      assert.deepStrictEqual(properties["role"], { type: "string", enum: ["admin", "user"] })
      assert.strictEqual(properties["age"]?.["minimum"], 0)
      assert.isUndefined(properties["name"]?.["minLength"], "minLength is not a strict-mode keyword")
      assert.match(String(properties["name"]?.["description"]), /minLength: 1/)
      assert.isTrue(output.notes.some((note) => note.includes("#/properties/name") && note.includes("minLength")))
      assert.deepStrictEqual(properties["home"]?.["required"], ["street", "city", "zip"])
      assert.strictEqual(properties["home"]?.["additionalProperties"], false)
      assert.deepStrictEqual(output.format, {
        type: "json_schema",
        name: "Person",
        description: "A person found in the text",
        schema,
        strict: true
      })
    }))

  it.effect("recursive schemas keep their $defs, made strict too", () =>
    Effect.gen(function*() {
      interface Category {
        readonly name: string
        readonly note?: string | undefined
        readonly children: ReadonlyArray<Category>
      }
      const Category = Schema.Struct({
        name: Schema.String,
        note: Schema.optional(Schema.String),
        children: Schema.Array(Schema.suspend((): Schema.Schema<Category> => Category))
      }).annotations({ identifier: "Category" })
      const output = yield* StructuredOutput.make(Category)
      const defs = output.jsonSchema["$defs"] as Record<string, Record<string, unknown>>
      assert.deepStrictEqual(defs["Category"]?.["required"], ["name", "note", "children"])
      assert.strictEqual(defs["Category"]?.["additionalProperties"], false)
      const tree = yield* output.decode(JSON.stringify({
        name: "root",
        note: null,
        children: [{ name: "leaf", note: "green", children: [] }]
      }))
      assert.deepStrictEqual(tree, { name: "root", children: [{ name: "leaf", note: "green", children: [] }] })
    }))

  it.effect("classes, dates, enums and tuples: named by the class, decoded into its instances", () =>
    Effect.gen(function*() {
      enum Color {
        Red = "red",
        Green = "green"
      }
      class Point extends Schema.Class<Point>("Point")({
        x: Schema.Number,
        label: Schema.optional(Schema.String),
        at: Schema.Date,
        color: Schema.Enums(Color),
        pair: Schema.Tuple(Schema.String, Schema.Number)
      }) {}
      const output = yield* StructuredOutput.make(Point)
      assert.strictEqual(output.name, "Point")
      const properties = output.jsonSchema["properties"] as Record<string, Record<string, unknown>>
      assert.deepStrictEqual(properties["pair"]?.["items"], { anyOf: [{ type: "string" }, { type: "number" }] })
      assert.isTrue(output.notes.some((note) => note.includes("#/properties/pair") && note.includes("tuple")))
      const point = yield* output.decode(
        JSON.stringify({ x: 1, label: null, at: "2026-01-01T00:00:00.000Z", color: "green", pair: ["a", 1] })
      )
      assert.isTrue(point instanceof Point)
      assert.strictEqual(point.label, undefined)
      assert.strictEqual(point.at.getUTCFullYear(), 2026)
      assert.strictEqual(point.color, Color.Green)
      const swapped = yield* Effect.flip(
        output.decode(JSON.stringify({ x: 1, label: null, at: "2026-01-01", color: "red", pair: [1, "a"] }))
      )
      assert.match(swapped.issue, /pair/)
    }))

  it.effect("a root that is not an object is wrapped as {value}, and records are refused in strict mode", () =>
    Effect.gen(function*() {
      const list = yield* StructuredOutput.make(Schema.Array(Schema.Number), { name: "numbers" })
      assert.isTrue(list.wrapped)
      assert.deepStrictEqual(list.jsonSchema, {
        type: "object",
        properties: { value: { type: "array", items: { type: "number" } } },
        required: ["value"],
        additionalProperties: false
      })
      assert.deepStrictEqual(yield* list.decode("{\"value\":[1,2]}"), [1, 2])
      const record = yield* Effect.either(
        StructuredOutput.make(Schema.Record({ key: Schema.String, value: Schema.Number }))
      )
      assert.isTrue(
        Either.isLeft(record) && record.left._tag === "InvalidParameter" && /record/.test(record.left.message)
      )
      const lenient = yield* StructuredOutput.make(Schema.Record({ key: Schema.String, value: Schema.Number }), {
        strict: false
      })
      assert.isFalse(lenient.strict)
    }))
})

describe("Responses.parse against the emulator", () => {
  const bob = {
    name: "Bob",
    age: 42,
    role: "admin",
    nickname: null,
    middleName: null,
    tags: ["a", "b"],
    home: { street: "1 Main St", city: "Springfield", zip: null },
    previous: [{ street: "2 Side St", city: "Shelbyville", zip: "12345" }],
    even: 4
  }

  it.live("round trip: nested objects, arrays, optionals, literals and a refinement", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      yield* emulator.script(CodexEmulator.json(bob))
      const response = yield* responses.parse(Person, {
        input: "Extract: Bob, 42, admin...",
        text: { verbosity: "low" }
      })
      assert.deepStrictEqual(response.output_parsed, {
        name: "Bob",
        age: 42,
        role: "admin",
        middleName: null,
        tags: ["a", "b"],
        home: { street: "1 Main St", city: "Springfield" },
        previous: [{ street: "2 Side St", city: "Shelbyville", zip: "12345" }],
        even: 4
      })
      assert.strictEqual(response.output_text, JSON.stringify(bob))
      const body = yield* lastBody
      const text = body["text"] as Record<string, unknown>
      assert.strictEqual(text["verbosity"], "low")
      const format = text["format"] as Record<string, unknown>
      assert.strictEqual(format["type"], "json_schema")
      assert.strictEqual(format["name"], "Person")
      assert.strictEqual(format["strict"], true)
      assert.isUndefined(body["name"])
    }).pipe(withEmulator))

  it.live("the emulator's own answer to a json_schema request decodes", () =>
    Effect.gen(function*() {
      const { responses } = yield* services
      const Simple = Schema.Struct({
        city: Schema.String,
        temperature: Schema.Number,
        unit: Schema.Literal("celsius", "fahrenheit"),
        note: Schema.optional(Schema.String),
        home: Address
      })
      const response = yield* responses.parse(Simple, { input: "Weather?", name: "weather" })
      assert.deepStrictEqual(response.output_parsed, {
        city: "Paris",
        temperature: 42,
        unit: "celsius",
        note: "example note",
        home: { street: "example street", city: "Paris", zip: "example zip" }
      })
    }).pipe(withEmulator))

  it.live("a reply that does not fit fails with OutputMismatch carrying the text and the issue", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      const odd = JSON.stringify({ ...bob, even: 3 })
      yield* emulator.script(CodexEmulator.json(odd), CodexEmulator.text("not json at all"))
      const error = yield* Effect.flip(responses.parse(Person, { input: "x" }))
      assert.strictEqual(error._tag, "OutputMismatch")
      if (error._tag !== "OutputMismatch") return
      assert.strictEqual(error.text, odd)
      assert.match(error.issue, /an even number/)
      assert.strictEqual(error.response?.output_text, odd)
      assert.match(error.message, /does not fit the schema "Person"/)
      const notJson = yield* Effect.flip(responses.parse(Person, { input: "x" }))
      assert.isTrue(notJson._tag === "OutputMismatch" && notJson.issue.startsWith("not valid JSON"))
    }).pipe(withEmulator))

  it.live("a refusal fails with ModelRefusal carrying the refusal text", () =>
    Effect.gen(function*() {
      const { emulator, responses } = yield* services
      yield* emulator.script(CodexEmulator.refusal("I can't help with that."))
      const error = yield* Effect.flip(responses.parse(Person, { input: "x" }))
      assert.strictEqual(error._tag, "ModelRefusal")
      if (error._tag !== "ModelRefusal") return
      assert.strictEqual(error.refusal, "I can't help with that.")
      assert.strictEqual(error.message, "The model refused: I can't help with that.")
    }).pipe(withEmulator))

  it.effect("layerTest derives parse from the given create", () =>
    Effect.gen(function*() {
      const responses = yield* Responses.Responses
      const parsed = yield* responses.parse(Schema.Struct({ ok: Schema.Boolean }), { input: "x" })
      assert.deepStrictEqual(parsed.output_parsed, { ok: true })
    }).pipe(
      Effect.provide(Layer.suspend(() =>
        Responses.layerTest({
          create: Responses.createFromStream(() => Stream.fromIterable(textEvents("{\"ok\":true}")))
        })
      ))
    ))
})
