import { LanguageModel, Prompt, Tool, Toolkit } from "@effect/ai"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Layer, Schema, Stream } from "effect"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import * as CodexEmulator from "../src/CodexEmulator.js"
import * as CodexLanguageModel from "../src/CodexLanguageModel.js"
import { layerClient } from "./helpers.js"

const client = layerClient({ config: { retryBaseDelay: Duration.millis(1) } })

const withModel = (config: CodexLanguageModel.ConfigOptions = {}) =>
  Effect.provide(
    Layer.provideMerge(CodexLanguageModel.layer({ model: "gpt-5.4", config }), client)
  )

const bodies = Effect.map(
  CodexEmulator.CodexEmulator.pipe(Effect.flatMap((e) => e.requests)),
  (requests) => requests.map((r) => r.body as Record<string, unknown>)
)

const GetWeather = Tool.make("GetWeather", {
  description: "Get the current weather for a city.",
  parameters: { city: Schema.String, unit: Schema.optional(Schema.Literal("celsius", "fahrenheit")) },
  success: Schema.Struct({ city: Schema.String, temperature: Schema.Number })
})

const Weather = Toolkit.make(GetWeather)

const WeatherHandlers = Weather.toLayer({
  GetWeather: ({ city }) => Effect.succeed({ city, temperature: 18 })
})

describe("CodexLanguageModel (@effect/ai) against the emulator", () => {
  it.live("generateText with a toolkit: a tool call, its result, then the answer from the replayed history", () =>
    Effect.gen(function*() {
      const emulator = yield* CodexEmulator.CodexEmulator
      yield* emulator.script(
        CodexEmulator.functionCall("GetWeather", { city: "Paris", unit: null }, { callId: "call_w" })
      )
      const prompt = Prompt.make([
        { role: "system", content: "You are terse." },
        { role: "user", content: "Weather in Paris?" }
      ])
      const first = yield* LanguageModel.generateText({ prompt, toolkit: Weather })
      assert.strictEqual(first.finishReason, "tool-calls")
      assert.strictEqual(first.toolCalls.length, 1)
      assert.deepStrictEqual(first.toolCalls[0]?.params, { city: "Paris" }, "strict mode's null is removed")
      assert.deepStrictEqual(first.toolResults[0]?.result, { city: "Paris", temperature: 18 })
      assert.strictEqual(first.usage.inputTokens, 21)

      const second = yield* LanguageModel.generateText({
        prompt: Prompt.merge(prompt, Prompt.fromResponseParts(first.content)),
        toolkit: Weather
      })
      assert.strictEqual(second.text, "The tool returned {\"city\":\"Paris\",\"temperature\":18}.")
      assert.strictEqual(second.finishReason, "stop")

      const [one, two] = yield* bodies
      assert.strictEqual(one?.["instructions"], "You are terse.")
      assert.deepStrictEqual(one?.["input"], [
        { type: "message", role: "user", content: [{ type: "input_text", text: "Weather in Paris?" }] }
      ])
      const tools = one?.["tools"] as ReadonlyArray<Record<string, unknown>>
      assert.strictEqual(tools[0]?.["name"], "GetWeather")
      assert.strictEqual(tools[0]?.["description"], "Get the current weather for a city.")
      assert.strictEqual(tools[0]?.["strict"], true)
      assert.deepStrictEqual((tools[0]?.["parameters"] as Record<string, unknown>)["required"], ["city", "unit"])
      assert.strictEqual(one?.["tool_choice"], "auto")
      assert.deepStrictEqual(two?.["input"], [
        { type: "message", role: "user", content: [{ type: "input_text", text: "Weather in Paris?" }] },
        { type: "function_call", call_id: "call_w", name: "GetWeather", arguments: "{\"city\":\"Paris\"}" },
        { type: "function_call_output", call_id: "call_w", output: "{\"city\":\"Paris\",\"temperature\":18}" }
      ])
    }).pipe(Effect.provide(WeatherHandlers), withModel()))

  it.live("generateObject: the schema goes as a strict text.format and the answer decodes", () =>
    Effect.gen(function*() {
      const emulator = yield* CodexEmulator.CodexEmulator
      const Person = Schema.Struct({
        name: Schema.String,
        age: Schema.Int,
        email: Schema.optional(Schema.String),
        roles: Schema.Array(Schema.Literal("admin", "user"))
      }).annotations({ identifier: "Person" })
      yield* emulator.script(CodexEmulator.json({ name: "Bob", age: 42, email: null, roles: ["admin"] }))
      const response = yield* LanguageModel.generateObject({ prompt: "Extract: Bob, 42, admin.", schema: Person })
      assert.deepStrictEqual(response.value, { name: "Bob", age: 42, roles: ["admin"] })
      const [body] = yield* bodies
      const text = body?.["text"] as { readonly verbosity: string; readonly format: Record<string, unknown> }
      assert.strictEqual(text.format["type"], "json_schema")
      assert.strictEqual(text.format["name"], "Person")
      assert.strictEqual(text.format["strict"], true)
      assert.strictEqual(text.verbosity, "low")
      assert.deepStrictEqual(body?.["reasoning"], { effort: "low" })
      assert.strictEqual(body?.["prompt_cache_key"], "conv-7")
      assert.strictEqual(body?.["service_tier"], "priority")

      // The emulator's own answer to the format, named by objectName.
      const city = yield* LanguageModel.generateObject({
        prompt: "Where?",
        schema: Schema.Struct({ city: Schema.String, zip: Schema.optional(Schema.String) }),
        objectName: "place"
      })
      assert.deepStrictEqual(city.value, { city: "Paris", zip: "example zip" })
      const format = ((yield* bodies)[1]?.["text"] as { readonly format: Record<string, unknown> }).format
      assert.strictEqual(format["name"], "place")
    }).pipe(
      withModel({
        reasoning: { effort: "low" },
        text: { verbosity: "low" },
        prompt_cache_key: "conv-7",
        service_tier: "priority"
      })
    ))

  it.live("streamText: parts in order, from metadata through reasoning and text to a finish part with usage", () =>
    Effect.gen(function*() {
      const emulator = yield* CodexEmulator.CodexEmulator
      yield* emulator.script(CodexEmulator.text("Hello there, streamer.", { reasoning: "Greet the user." }))
      const parts = Chunk.toReadonlyArray(yield* Stream.runCollect(LanguageModel.streamText({ prompt: "Hi!" })))
      const order = parts.map((part) => part.type).filter((type, i, all) => type !== all[i - 1])
      assert.deepStrictEqual(order, [
        "response-metadata",
        "reasoning-start",
        "reasoning-delta",
        "reasoning-end",
        "text-start",
        "text-delta",
        "text-end",
        "finish"
      ])
      const text = parts.map((part) => (part.type === "text-delta" ? part.delta : "")).join("")
      assert.strictEqual(text, "Hello there, streamer.")
      const reasoning = parts.map((part) => (part.type === "reasoning-delta" ? part.delta : "")).join("")
      assert.strictEqual(reasoning, "Greet the user.")
      const finish = parts.at(-1)
      assert.strictEqual(finish?.type, "finish")
      if (finish?.type !== "finish") return
      assert.strictEqual(finish.reason, "stop")
      assert.strictEqual(finish.usage.inputTokens, 21)
      assert.isAbove(finish.usage.outputTokens ?? 0, 0)
      assert.strictEqual(finish.usage.totalTokens, (finish.usage.inputTokens ?? 0) + (finish.usage.outputTokens ?? 0))
      assert.isAbove(finish.usage.reasoningTokens ?? 0, 0)
      const end = parts.find((part) => part.type === "reasoning-end")
      const endMeta = end?.metadata["codex"] as { itemId: string; encryptedContent: string } | undefined
      assert.match(endMeta?.itemId ?? "", /^rs_/)
      assert.strictEqual(endMeta?.encryptedContent, "gAAAAB-emulated")
    }).pipe(withModel()))

  it.live("streamText with a toolkit: tool-params parts, the call, then its result", () =>
    Effect.gen(function*() {
      const emulator = yield* CodexEmulator.CodexEmulator
      yield* emulator.script(CodexEmulator.functionCall("GetWeather", { city: "Oslo", unit: "celsius" }))
      const parts = Chunk.toReadonlyArray(
        yield* Stream.runCollect(LanguageModel.streamText({ prompt: "Oslo?", toolkit: Weather }))
      )
      const order = parts.map((part) => part.type).filter((type, i, all) => type !== all[i - 1])
      assert.deepStrictEqual(order, [
        "response-metadata",
        "tool-params-start",
        "tool-params-delta",
        "tool-params-end",
        "tool-call",
        "tool-result",
        "finish"
      ])
      const finish = parts.at(-1)
      assert.strictEqual(finish?.type === "finish" ? finish.reason : undefined, "tool-calls")
    }).pipe(Effect.provide(WeatherHandlers), withModel()))

  it.live("a parameter the backend rejects fails with MalformedInput caused by UnsupportedParameter", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(LanguageModel.generateText({ prompt: "Hi" }))
      assert.strictEqual(error._tag, "MalformedInput")
      const cause: unknown = error.cause
      assert.isTrue(cause instanceof Error && "_tag" in cause && cause._tag === "UnsupportedParameter")
      assert.match(error.message, /temperature/)
      assert.strictEqual((yield* bodies).length, 0, "nothing was sent")
    }).pipe(withModel({ temperature: 0.2 } as unknown as CodexLanguageModel.ConfigOptions)))

  it.live("withConfigOverride sets provider options for one call", () =>
    Effect.gen(function*() {
      const response = yield* LanguageModel.generateText({ prompt: "Hi" }).pipe(
        CodexLanguageModel.withConfigOverride({
          reasoning: { effort: "high", summary: "auto" },
          instructions: "Be brief."
        })
      )
      const [body] = yield* bodies
      assert.deepStrictEqual(body?.["reasoning"], { effort: "high", summary: "auto" })
      assert.strictEqual(body?.["instructions"], "Be brief.")
      assert.deepStrictEqual(body?.["include"], ["reasoning.encrypted_content"])
      assert.strictEqual(response.reasoningText, "The user wants a short, direct answer.")
      const meta = response.reasoning[0]?.metadata["codex"] as { itemId: string; encryptedContent: string } | undefined
      assert.match(meta?.itemId ?? "", /^rs_/)
      assert.strictEqual(meta?.encryptedContent, "gAAAAB-emulated")
      assert.strictEqual(response.text, "You said: Hi")
    }).pipe(withModel()))

  it.live("a prompt's reasoning (with its encrypted content), assistant text and system messages map onto the request", () =>
    Effect.gen(function*() {
      yield* LanguageModel.generateText({
        prompt: [
          { role: "system", content: "First rule." },
          { role: "user", content: "Hi" },
          {
            role: "assistant",
            content: [
              {
                type: "reasoning",
                text: "Greet back.",
                options: { codex: { itemId: "rs_1", encryptedContent: "enc-1" } }
              },
              { type: "reasoning", text: "Then stop.", options: { codex: { itemId: "rs_1" } } },
              { type: "reasoning", text: "No content, not replayable." },
              { type: "text", text: "Hello!" }
            ]
          },
          { role: "system", content: "Second rule." },
          {
            role: "user",
            content: [{ type: "text", text: "Again" }, {
              type: "file",
              mediaType: "image/png",
              data: new Uint8Array([1, 2, 3])
            }]
          }
        ]
      })
      const [body] = yield* bodies
      assert.strictEqual(body?.["instructions"], "First rule.\n\nSecond rule.")
      assert.deepStrictEqual(body?.["input"], [
        { type: "message", role: "user", content: [{ type: "input_text", text: "Hi" }] },
        {
          type: "reasoning",
          summary: [{ type: "summary_text", text: "Greet back." }, { type: "summary_text", text: "Then stop." }],
          encrypted_content: "enc-1"
        },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "Hello!", annotations: [] }] },
        {
          type: "message",
          role: "user",
          content: [{ type: "input_text", text: "Again" }, {
            type: "input_image",
            image_url: "data:image/png;base64,AQID"
          }]
        }
      ])
    }).pipe(withModel()))

  it("only CodexLanguageModel imports @effect/ai: the core never loads it", () => {
    const root = NodePath.join(import.meta.dirname, "..", "src")
    const files = NodeFs.readdirSync(root, { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".ts"))
    const importers = files.filter((file) =>
      /from "@effect\/ai/.test(NodeFs.readFileSync(NodePath.join(root, file), "utf8"))
    )
    assert.deepStrictEqual(importers, ["CodexLanguageModel.ts"])
  })
})
