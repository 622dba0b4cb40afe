/**
 * Code ported from elsewhere, run against the emulator with only the import changed:
 * openai-node's README examples for responses, and every example of the seed's README
 * (the Python SDK this project re-creates), translated line for line.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import fs from "node:fs"
import * as NodeFs from "node:fs/promises"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { TokenStore } from "../src/index.js"
// The only line that differs from the originals: `import OpenAI, { toFile } from "openai"`.
import OpenAI, { toFile } from "../src/OpenAI.js"

/**
 * An emulator, a CODEX_HOME holding a login (and an API key), and the environment pointing
 * at both, for the length of `f`: the ported code builds its clients with no options.
 */
const withBackend = async (
  f: (
    env: { readonly emulator: CodexEmulator.Service; readonly run: <A>(effect: Effect.Effect<A>) => Promise<A> }
  ) => Promise<void>
) => {
  const dir = await NodeFs.mkdtemp(NodePath.join(NodeOs.tmpdir(), "codex-home-"))
  const saved = { ...process.env }
  await Effect.runPromise(
    Effect.scoped(Effect.gen(function*() {
      const emulator = yield* CodexEmulator.make()
      const tokens = yield* emulator.issuer.issue(3600)
      yield* TokenStore.makeFile(dir).modify(() =>
        Effect.succeed(
          [undefined, {
            idToken: Redacted.make(tokens.idToken),
            accessToken: Redacted.make(tokens.accessToken),
            refreshToken: Redacted.make(tokens.refreshToken),
            apiKey: Redacted.make("sk-emulated-platform-key"),
            lastRefresh: new Date()
          }] as const
        )
      )
      Object.assign(process.env, {
        CODEX_HOME: dir,
        CODEX_BASE_URL: emulator.config.codexBaseUrl,
        CODEX_CHATGPT_BASE_URL: emulator.config.chatgptBaseUrl,
        CODEX_OPENAI_BASE_URL: emulator.config.openaiBaseUrl,
        CODEX_AUTH_ISSUER: emulator.url,
        OPENAI_API_KEY: tokens.accessToken
      })
      yield* Effect.promise(() => f({ emulator, run: Effect.runPromise }))
    })).pipe(Effect.ensuring(Effect.promise(async () => {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
      Object.assign(process.env, saved)
      await NodeFs.rm(dir, { recursive: true, force: true })
    })))
  )
}

const quietly = async (f: (log: Array<unknown>) => Promise<void>) => {
  const log: Array<unknown> = []
  await f(log)
  return log
}

describe("openai-node's README examples, unchanged but for the import", () => {
  it("Usage: responses.create with instructions; output_text", () =>
    withBackend(async () => {
      const log = await quietly(async (console) => {
        const client = new OpenAI({
          apiKey: process.env["OPENAI_API_KEY"] // here a ChatGPT access token
        })
        const response = await client.responses.create({
          model: "gpt-5.5",
          instructions: "You are a coding assistant that talks like a pirate",
          input: "Are semicolons optional in JavaScript?"
        })
        console.push(response.output_text)
        await client.close()
      })
      assert.deepStrictEqual(log, ["You said: Are semicolons optional in JavaScript?"])
    }))

  it("Streaming responses: for await over the events", () =>
    withBackend(async () => {
      const log = await quietly(async (console) => {
        const client = new OpenAI()
        const stream = await client.responses.create({
          model: "gpt-5.5",
          input: "Say \"Sheep sleep deep\" ten times fast!",
          stream: true
        })
        for await (const event of stream) {
          console.push(event)
        }
        await client.close()
      })
      const types = log.map((event) => (event as { type: string }).type)
      assert.strictEqual(types[0], "response.created")
      assert.strictEqual(types.at(-1), "response.completed")
    }))

  it("The responses.stream helper: listeners, iteration, finalResponse()", () =>
    withBackend(async () => {
      const client = new OpenAI()
      let deltas = ""
      const runner = client.responses
        .stream({ model: "gpt-5.5", input: "solve 8x + 31 = 2" })
        .on("response.output_text.delta", (event) => {
          deltas += event.delta
        })
      const types: Array<string> = []
      for await (const event of runner) types.push(event.type)
      const result = await runner.finalResponse()
      assert.strictEqual(result.output_text, "You said: solve 8x + 31 = 2")
      assert.strictEqual(deltas, result.output_text)
      assert.include(types, "response.output_text.delta")
      await client.close()
    }))

  it("Handling errors: instanceof OpenAI.APIError, requestID, status, headers", () =>
    withBackend(async ({ emulator, run }) => {
      await run(
        emulator.script(
          CodexEmulator.http(400, { error: { type: "invalid_request_error", message: "bad" } }, {
            "x-request-id": "req_123"
          })
        )
      )
      const client = new OpenAI()
      const seen: Array<unknown> = []
      await client.responses
        .create({ model: "gpt-5.5", input: "x" })
        .catch(async (err) => {
          if (err instanceof OpenAI.APIError) {
            seen.push(err.requestID)
            seen.push(err.status) // 400
            seen.push(err instanceof OpenAI.BadRequestError) // true for an HTTP 400 response
            seen.push(err.headers?.get("x-request-id")) // response Headers
          } else {
            throw err
          }
        })
      assert.deepStrictEqual(seen, ["req_123", 400, true, "req_123"])
      await client.close()
    }))

  it("Retries and timeouts: client-wide and per request", () =>
    withBackend(async ({ emulator, run }) => {
      // Configure the default for all requests:
      const client = new OpenAI({
        maxRetries: 0, // default is 2
        timeout: 20 * 1000 // 20 seconds (default is 10 minutes)
      })
      await run(emulator.script(CodexEmulator.http(500, { detail: "boom" }), CodexEmulator.text("second try")))
      // Or, configure per-request:
      const response = await client.responses.create({
        model: "gpt-5.5",
        input: "How can I get the name of the current day in JavaScript?"
      }, {
        maxRetries: 5,
        timeout: 5 * 1000
      })
      assert.strictEqual(response.output_text, "second try")
      await run(emulator.script(CodexEmulator.http(500, { detail: "boom" })))
      const failed = await client.responses.create({ model: "gpt-5.5", input: "x" }).then(
        () => undefined,
        (e: unknown) => e
      )
      assert.instanceOf(failed, OpenAI.InternalServerError, "maxRetries: 0 sends once")
      await client.close()
    }))

  it("File uploads: fs.createReadStream, File, a fetch Response, toFile", () =>
    withBackend(async ({ emulator, run }) => {
      const dir = await NodeFs.mkdtemp(NodePath.join(NodeOs.tmpdir(), "upload-"))
      const input = NodePath.join(dir, "input.wav")
      await NodeFs.writeFile(input, "my bytes")
      const client = new OpenAI()
      const model = "gpt-4o-mini-transcribe"
      // If you have access to Node `fs` we recommend using `fs.createReadStream()`:
      await client.audio.transcriptions.create({ file: fs.createReadStream(input), model })
      // Or if you have the web `File` API you can pass a `File` instance:
      await client.audio.transcriptions.create({ file: new File(["my bytes"], "input.wav"), model })
      // You can also pass a `fetch` `Response`:
      await client.audio.transcriptions.create({ file: new Response("my bytes"), model })
      // Finally, if none of the above are convenient, you can use our `toFile` helper:
      await client.audio.transcriptions.create({ file: await toFile(Buffer.from("my bytes"), "input.wav"), model })
      await client.audio.transcriptions.create({ file: await toFile(new Uint8Array([0, 1, 2]), "input.wav"), model })
      const sizes = (await run(emulator.requests)).map((r) => (r.body as { file: { size: number } }).file.size)
      assert.deepStrictEqual(sizes, [8, 8, 8, 8, 3])
      await client.close()
      await NodeFs.rm(dir, { recursive: true, force: true })
    }))

  it("Auto-pagination: for await over a list", () =>
    withBackend(async () => {
      const client = new OpenAI()
      const all = []
      for await (const model of client.models.list()) all.push(model.id)
      const page = await client.models.list()
      const again = []
      for (const model of page.data) again.push(model.id)
      assert.deepStrictEqual(all, again)
      assert.include(all, "gpt-5.5")
      await client.close()
    }))
})

describe("the seed's README examples, translated line for line", () => {
  it("Basic usage, streaming, models, multi-turn input", () =>
    withBackend(async () => {
      const client = await new OpenAI().authenticate()

      const response = await client.responses.create({
        model: "gpt-5.4",
        input: "Explain quicksort in one paragraph."
      })
      assert.strictEqual(response.output_text, "You said: Explain quicksort in one paragraph.")

      const stream = await client.responses.create({ model: "gpt-5.4", input: "Say 'hi' five times.", stream: true })
      let printed = ""
      for await (const event of stream) {
        if (event.type === "response.output_text.delta") printed += event.delta
      }
      assert.strictEqual(printed, "You said: Say 'hi' five times.")

      const models = await client.models.list()
      const rows: Array<string> = []
      for (const model of models) rows.push(`${model.id} ${model.display_name} ${model.context_window}`)
      assert.isAbove(rows.length, 0)
      const info = await client.models.retrieve("gpt-5.4")
      assert.strictEqual(info.id, "gpt-5.4")

      const history: Array<{ role: "user" | "assistant"; content: string }> = [{
        role: "user",
        content: "My name is Alice. Say OK."
      }]
      const reply1 = (await client.responses.create({ input: history })).output_text
      history.push({ role: "assistant", content: reply1 })
      history.push({ role: "user", content: "What is my name?" })
      const reply2 = (await client.responses.create({ input: history })).output_text
      assert.strictEqual(reply2, "You said: What is my name?")
      await client.close()
    }))

  it("Function calling and structured output", () =>
    withBackend(async ({ emulator, run }) => {
      const client = await new OpenAI().authenticate()
      const tools = [{
        type: "function" as const,
        name: "get_weather",
        description: "Get the current weather for a city.",
        parameters: {
          type: "object",
          properties: { city: { type: "string" } },
          required: ["city"],
          additionalProperties: false
        },
        strict: true
      }]
      await run(emulator.script(CodexEmulator.functionCall("get_weather", { city: "Paris" }, { callId: "call_1" })))
      const first = await client.responses.create({ input: "What's the weather in Paris?", tools })
      const call = first.output.find((item) => item.type === "function_call")
      assert.strictEqual(call?.["call_id"], "call_1")
      const result = { temperature: 18, unit: "celsius", condition: "cloudy" }
      const second = await client.responses.create({
        input: [
          call!,
          { type: "function_call_output", call_id: String(call?.["call_id"]), output: JSON.stringify(result) }
        ],
        tools
      })
      assert.include(second.output_text, "cloudy")

      const schema = {
        title: "person",
        type: "object",
        properties: { name: { type: "string" }, age: { type: "integer" } },
        required: ["name", "age"],
        additionalProperties: false
      }
      const structured = await client.responses.create({
        input: "Extract: Bob is 42 years old.",
        text: { format: { type: "json_schema", name: "person", schema, strict: true } }
      })
      const person = JSON.parse(structured.output_text) as { name: string; age: number }
      assert.isString(person.name)
      assert.isTrue(Number.isInteger(person.age))
      await client.close()
    }))

  it("Responses fields, unsupported parameters, compaction", () =>
    withBackend(async () => {
      const client = await new OpenAI().authenticate()
      const response = await client.responses.create({
        model: "gpt-5.4",
        instructions: "Be concise.",
        input: [{ role: "user", content: "Summarize this API shape." }],
        reasoning: { effort: "medium", summary: "auto" },
        include: ["reasoning.encrypted_content"],
        text: { verbosity: "medium" },
        prompt_cache_key: "session-123"
      })
      assert.strictEqual(response.status, "completed")
      const refused = await client.responses.create({ input: "x", temperature: 0.2 } as never).then(
        () => undefined,
        (e: unknown) => e
      )
      assert.strictEqual((refused as { _tag?: string })._tag, "UnsupportedParameter")

      let history: Array<unknown> = [{ role: "user", content: "A long task." }, { role: "assistant", content: "Done." }]
      const compacted = await client.responses.compact({
        model: "gpt-5.4",
        instructions: "Keep task-critical context.",
        input: history as never
      })
      history = [...compacted.output]
      assert.isTrue(history.some((item) => (item as { type?: string }).type === "compaction"))
      await client.close()
    }))

  it("Realtime (answer.text), WebSocket helpers with session_id, embeddings, audio tuple", () =>
    withBackend(async () => {
      const client = await new OpenAI().authenticate({ requestApiKey: true })
      const answer = await client.realtime.calls.create({
        sdp: "v=0\r\n",
        session: { type: "realtime", model: "gpt-realtime-1.5" }
      })
      assert.include(await answer.text(), "s=emulated answer")

      const url = await client.realtime.websocketUrl({ model: "gpt-realtime-1.5" })
      const headers = await client.realtime.websocketHeaders({ session_id: "voice-session" })
      assert.include(url, "/v1/realtime?model=gpt-realtime-1.5")
      assert.strictEqual(headers["x-session-id"], "voice-session")
      assert.strictEqual(headers["Authorization"], "Bearer sk-emulated-platform-key")

      const embedding = await client.embeddings.create({
        model: "text-embedding-3-small",
        input: "Embed this sentence.",
        dimensions: 256
      })
      assert.strictEqual(embedding.data[0]?.embedding.length, 256)

      const dir = await NodeFs.mkdtemp(NodePath.join(NodeOs.tmpdir(), "audio-"))
      await NodeFs.writeFile(NodePath.join(dir, "meeting.wav"), "RIFF....WAVEfmt ")
      const audio = fs.createReadStream(NodePath.join(dir, "meeting.wav"))
      const transcription = await client.audio.transcriptions.create({
        model: "gpt-4o-mini-transcribe",
        file: ["meeting.wav", audio, "audio/wav"],
        response_format: "json"
      })
      assert.isString(transcription.text)
      await NodeFs.rm(dir, { recursive: true, force: true })
      await client.close()
    }))

  it("Quota and usage, cloud tasks with filters, account data", () =>
    withBackend(async () => {
      const client = await new OpenAI().authenticate()
      const quota = await client.codex.usage()
      const primary = quota.rate_limit?.primary_window ?? {}
      assert.isNumber((primary as { used_percent?: number }).used_percent)
      assert.strictEqual(quota.raw["plan_type"], quota.plan_type)

      const tasks = await client.codex.tasks.list({ limit: 10 })
      const task = await client.codex.tasks.retrieve((tasks["items"] as Array<{ id: string }>)[0]!.id)
      const turns = await client.codex.tasks.turns.list((task["task"] as { id: string }).id)
      const environments = await client.codex.environments.list()
      assert.isObject(turns)
      assert.isArray(environments)
      const filtered = await client.codex.tasks.list({ limit: 1, task_filter: "current", environment_id: "env_1" })
      assert.isArray(filtered["items"])

      const memories = await client.codex.memories.list()
      const customization = await client.codex.userSystemMessages.retrieve()
      assert.isObject(memories)
      assert.isObject(customization)
      await client.close()
    }))
})
