import { assert, describe, it } from "@effect/vitest"
import { Chunk, Deferred, Duration, Effect, Ref, Schema, Stream } from "effect"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { ResponseStreamEvent, Tools } from "../src/index.js"
import { layerClient } from "./helpers.js"

const withEmulator = Effect.provide(layerClient({ config: { retryBaseDelay: Duration.millis(1) } }))

const bodies = Effect.map(
  CodexEmulator.CodexEmulator.pipe(Effect.flatMap((e) => e.requests)),
  (requests) => requests.map((r) => r.body as Record<string, unknown>)
)

const types = (input: unknown) =>
  (Array.isArray(input) ? input : []).map((item: Record<string, unknown>) =>
    `${item["type"]}${item["call_id"] === undefined ? "" : `:${item["call_id"]}`}`
  )

/** Two tools whose handlers wait for each other the first time: they only finish when run in parallel. */
const makeTools = Effect.gen(function*() {
  const started = yield* Ref.make(0)
  const bothStarted = yield* Deferred.make<void>()
  const calls = yield* Ref.make<ReadonlyArray<string>>([])
  const meet = (label: string) =>
    Effect.gen(function*() {
      yield* Ref.update(calls, (all) => [...all, label])
      const n = yield* Ref.updateAndGet(started, (k) => k + 1)
      if (n === 2) yield* Deferred.succeed(bothStarted, undefined)
      yield* Deferred.await(bothStarted)
    })
  const getWeather = Tools.make("get_weather", {
    description: "Get the current weather for a city.",
    parameters: Schema.Struct({ city: Schema.String, unit: Schema.optional(Schema.Literal("celsius", "fahrenheit")) }),
    handler: ({ city, unit }) =>
      Effect.as(meet(`weather:${city}:${unit ?? "-"}`), { city, temperature: 18, unit: unit ?? "celsius" })
  })
  const getTime = Tools.make("get_time", {
    description: "The local time in a time zone.",
    parameters: Schema.Struct({ timezone: Schema.String }),
    handler: ({ timezone }) => Effect.as(meet(`time:${timezone}`), `12:00 in ${timezone}`)
  })
  return { getWeather, getTime, calls }
})

describe("Tools against the emulator", () => {
  it.live("a 3-step loop: two tools in parallel, a bad argument corrected by the model, then the answer", () =>
    Effect.gen(function*() {
      const emulator = yield* CodexEmulator.CodexEmulator
      const { calls, getTime, getWeather } = yield* makeTools
      yield* emulator.script(
        CodexEmulator.functionCalls([
          { name: "get_weather", arguments: { city: "Paris", unit: null }, callId: "call_1" },
          { name: "get_time", arguments: { timezone: "Europe/Paris" }, callId: "call_2" },
          { name: "get_weather", arguments: { town: "Lyon" }, callId: "call_3" }
        ]),
        CodexEmulator.functionCall("get_weather", { city: "Lyon", unit: "celsius" }, { callId: "call_4" }),
        CodexEmulator.text("Paris: 18°C at noon; Lyon: 18°C.")
      )
      const result = yield* Tools.run({
        tools: [getWeather, getTime],
        input: "Weather and time in Paris, and the weather in Lyon?",
        instructions: "Use the tools.",
        parallel_tool_calls: true,
        maxSteps: 5,
        concurrency: 2
      }).pipe(Effect.timeout("5 seconds"))
      assert.strictEqual(result.response.output_text, "Paris: 18°C at noon; Lyon: 18°C.")
      assert.strictEqual(result.steps, 3)
      assert.deepStrictEqual(yield* Ref.get(calls), ["weather:Paris:-", "time:Europe/Paris", "weather:Lyon:celsius"])

      const sent = yield* bodies
      assert.strictEqual(sent.length, 3)
      const tools = sent[0]?.["tools"] as ReadonlyArray<Record<string, unknown>>
      assert.deepStrictEqual(tools.map((tool) => tool["name"]), ["get_weather", "get_time"])
      assert.deepStrictEqual(tools[0]?.["parameters"], {
        type: "object",
        properties: {
          city: { type: "string" },
          unit: { anyOf: [{ type: "string", enum: ["celsius", "fahrenheit"] }, { type: "null" }] }
        },
        required: ["city", "unit"],
        additionalProperties: false
      })
      assert.strictEqual(tools[0]?.["strict"], true)
      assert.strictEqual(sent[0]?.["parallel_tool_calls"], true)
      assert.deepStrictEqual(types(sent[1]?.["input"]), [
        "message",
        "function_call:call_1",
        "function_call:call_2",
        "function_call:call_3",
        "function_call_output:call_1",
        "function_call_output:call_2",
        "function_call_output:call_3"
      ])
      const outputs = (sent[1]?.["input"] as ReadonlyArray<Record<string, unknown>>).slice(4).map((item) =>
        String(item["output"])
      )
      assert.deepStrictEqual(JSON.parse(outputs[0] ?? ""), { city: "Paris", temperature: 18, unit: "celsius" })
      assert.strictEqual(outputs[1], "12:00 in Europe/Paris")
      assert.match(outputs[2] ?? "", /^Error: invalid arguments for get_weather:/)
      assert.match(outputs[2] ?? "", /city/)
      const replayed = (sent[1]?.["input"] as ReadonlyArray<Record<string, unknown>>)[1]
      assert.isUndefined(replayed?.["id"], "replayed calls go without their id")
      assert.deepStrictEqual(types(sent[2]?.["input"]).slice(-2), [
        "function_call:call_4",
        "function_call_output:call_4"
      ])

      assert.deepStrictEqual(types(result.items), [...types(sent[2]?.["input"]), "message"])
    }).pipe(withEmulator))

  it.live("unknown tools and invalid JSON become outputs the model can act on", () =>
    Effect.gen(function*() {
      const emulator = yield* CodexEmulator.CodexEmulator
      const { getTime } = yield* makeTools
      yield* emulator.script(
        CodexEmulator.functionCalls([
          { name: "get_date", arguments: {} },
          { name: "get_time", arguments: "{\"timezone\": " }
        ]),
        CodexEmulator.text("Sorry.")
      )
      const result = yield* Tools.run({ tools: [getTime], input: "Date and time?" })
      assert.strictEqual(result.steps, 2)
      const outputs = (yield* bodies)[1]?.["input"] as ReadonlyArray<Record<string, unknown>>
      assert.strictEqual(outputs[3]?.["output"], "Error: there is no tool named get_date. Available tools: get_time.")
      assert.match(String(outputs[4]?.["output"]), /^Error: the arguments of get_time are not valid JSON/)
    }).pipe(withEmulator))

  it.live("maxSteps reached fails with MaxStepsReached carrying the history", () =>
    Effect.gen(function*() {
      const emulator = yield* CodexEmulator.CodexEmulator
      const echo = Tools.make("echo", {
        parameters: Schema.Struct({ text: Schema.String }),
        handler: ({ text }) => Effect.succeed(text)
      })
      yield* emulator.script(
        CodexEmulator.functionCall("echo", { text: "one" }, { callId: "c1" }),
        CodexEmulator.functionCall("echo", { text: "two" }, { callId: "c2" })
      )
      const error = yield* Effect.flip(Tools.run({ tools: [echo], input: "Loop.", maxSteps: 2 }))
      assert.strictEqual(error._tag, "MaxStepsReached")
      if (error._tag !== "MaxStepsReached") return
      assert.strictEqual(error.maxSteps, 2)
      assert.deepStrictEqual(error.pendingCalls, ["echo"])
      assert.deepStrictEqual(types(error.items), [
        "message",
        "function_call:c1",
        "function_call_output:c1",
        "function_call:c2"
      ])
      assert.strictEqual((yield* bodies).length, 2)
    }).pipe(withEmulator))

  it.live("stream: the events of every step, one step after the other", () =>
    Effect.gen(function*() {
      const emulator = yield* CodexEmulator.CodexEmulator
      const { getTime } = yield* makeTools
      const lonely = Tools.make("get_time_alone", {
        parameters: Schema.Struct({ timezone: Schema.String }),
        handler: ({ timezone }) => Effect.succeed(`12:00 in ${timezone}`)
      })
      yield* emulator.script(
        CodexEmulator.functionCall("get_time_alone", { timezone: "UTC" }),
        CodexEmulator.text("It is noon.")
      )
      const events = Chunk.toReadonlyArray(
        yield* Stream.runCollect(Tools.stream({ tools: [lonely, getTime], input: "Time?" }))
      )
      assert.strictEqual(events.filter(ResponseStreamEvent.is("response.created")).length, 2)
      assert.strictEqual(events.filter(ResponseStreamEvent.is("response.completed")).length, 2)
      assert.strictEqual(events.at(-1)?.type, "response.completed")
      const text = events.map(ResponseStreamEvent.textDelta).filter((d) => d !== undefined).join("")
      assert.strictEqual(text, "It is noon.")
      const second = (yield* bodies)[1]?.["input"] as ReadonlyArray<Record<string, unknown>>
      assert.strictEqual(second[2]?.["output"], "12:00 in UTC")
    }).pipe(withEmulator))

  it.effect("a tool whose parameters are not an object is refused before anything is sent", () =>
    Effect.gen(function*() {
      const bad = Tools.make("bad", { parameters: Schema.String, handler: () => Effect.void })
      const error = yield* Effect.flip(bad.prepare)
      assert.strictEqual(error._tag, "InvalidParameter")
      const badName = Tools.make("bad name", { parameters: Schema.Struct({}), handler: () => Effect.void })
      assert.strictEqual((yield* Effect.flip(badName.prepare))._tag, "InvalidParameter")
    }))
})
