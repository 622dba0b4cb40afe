import { assert, describe, it } from "@effect/vitest"
import { Context, Duration, Effect, Layer, ManagedRuntime, Redacted, Runtime, Stream as EffectStream } from "effect"
import * as NodeChild from "node:child_process"
import * as NodeFsSync from "node:fs"
import * as NodeFs from "node:fs/promises"
import * as Net from "node:net"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { CodexClient, CodexError, Responses, TokenStore } from "../src/index.js"
import type { OAuth, ResponseStreamEvent } from "../src/index.js"
import type { CodexOpenAI } from "../src/OpenAI.js"
import OpenAI, { APIError, APIUserAbortError, RateLimitError, toFile } from "../src/OpenAI.js"
import { summarise } from "./fixtures/dropIn.js"
import { layerClient } from "./helpers.js"

/**
 * The emulator's client stack, shared by the test (to script the emulator and read its
 * counters) and the facade (`layer: the same services`).
 */
const setup = async (options: Parameters<typeof CodexEmulator.layerClient>[0] = {}) => {
  const managed = ManagedRuntime.make(
    layerClient({ ...options, config: { retryBaseDelay: Duration.millis(1), ...options.config } })
  )
  const runtime = await managed.runtime()
  const emulator = Context.get(runtime.context, CodexEmulator.CodexEmulator)
  const client = new OpenAI({ layer: Layer.succeedContext(runtime.context) })
  return {
    client,
    emulator,
    run: Runtime.runPromise(runtime),
    dispose: async () => {
      await client.close()
      await managed.dispose()
    }
  }
}

type Env = Awaited<ReturnType<typeof setup>>

const withEnv = (f: (env: Env) => Promise<void>, options?: Parameters<typeof setup>[0]) => async () => {
  const env = await setup(options)
  try {
    await f(env)
  } finally {
    await env.dispose()
  }
}

/** Waits (polling, at most `within` ms) until the emulator saw `n` streams closed by the client; returns the wait. */
const closedWithin = async (env: Env, n: number, within: number): Promise<number> => {
  const start = performance.now()
  while ((await env.run(env.emulator.abortedStreams)) < n && performance.now() - start < within) {
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  assert.strictEqual(
    await env.run(env.emulator.abortedStreams),
    n,
    `the server saw the socket close within ${within} ms`
  )
  return performance.now() - start
}

/** A stream that sends its first events, then stays silent and open. */
const stalled = (text = "first words and then silence") =>
  CodexEmulator.sse(CodexEmulator.textEvents(text).slice(0, 6), { ending: "stall" })

const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise
  } catch (error) {
    return error
  }
  assert.fail("expected a rejection")
}

describe("OpenAI facade against the emulator", () => {
  it("building a client does no I/O; over CodexEmulator.layerClient, create collects the answer", async () => {
    // nothing is resolved before the first call: a bad configuration only rejects that call
    const misconfigured = new OpenAI({ codexBaseUrl: "not a url", codexHome: "/nonexistent/codex-home" })
    assert.include(String(await rejection(misconfigured.models.list())), "codexBaseUrl is not a URL")
    await misconfigured.close()

    const client = new OpenAI({ layer: layerClient() })
    try {
      const response = await client.responses.create({ model: "gpt-5.4", input: "Say PONG." })
      assert.strictEqual(response.output_text, "You said: Say PONG.")
      assert.strictEqual(response.status, "completed")
    } finally {
      await client[Symbol.asyncDispose]()
    }
    assert.include(
      String(await rejection(client.responses.create({ input: "x" }))),
      "closed",
      "a closed client rejects"
    )
  })

  it(
    "a drop-in: the docs' code typed for openai-node runs unchanged on CodexOpenAI",
    withEnv(async ({ client, emulator, run }) => {
      // test/fixtures/dropIn.ts is the block of docs/openai-compat.md, verbatim (openai-node's client fits its type: checked there)
      const fixture = await NodeFs.readFile(NodePath.join(import.meta.dirname, "fixtures", "dropIn.ts"), "utf8")
      const page = await NodeFs.readFile(NodePath.join(import.meta.dirname, "..", "docs", "openai-compat.md"), "utf8")
      assert.include(page, "```ts\n" + fixture + "```\n", "docs/openai-compat.md shows exactly the code this test runs")
      await run(emulator.script(CodexEmulator.text("A short summary."), CodexEmulator.text("streamed text")))
      const codex: CodexOpenAI = client
      const result = await summarise(codex, "a long text")
      assert.deepStrictEqual(result, {
        models: ["gpt-5.5", "gpt-5.4", "gpt-5.4-mini"],
        summary: "A short summary.",
        streamed: "streamed text"
      })
    })
  )

  it(
    "responses.create({ stream: true }): events with a controller; the deltas add up",
    withEnv(async ({ client }) => {
      const stream = await client.responses.create({ input: "stream me", stream: true })
      assert.instanceOf(stream.controller, AbortController)
      const types: Array<string> = []
      let text = ""
      for await (const event of stream) {
        types.push(event.type)
        if (event.type === "response.output_text.delta") text += event.delta
      }
      assert.strictEqual(text, "You said: stream me")
      assert.strictEqual(types[0], "response.created")
      assert.strictEqual(types.at(-1), "response.completed")
    })
  )

  it(
    "breaking out of the loop closes the socket within 100 ms",
    withEnv(async (env) => {
      await env.run(env.emulator.script(stalled()))
      const stream = await env.client.responses.create({ input: "x", stream: true })
      for await (const event of stream) {
        if (event.type === "response.output_text.delta") break
      }
      await closedWithin(env, 1, 100)
    })
  )

  it(
    "throwing inside the loop closes the socket too; controller.abort() rejects a pending next()",
    withEnv(async (env) => {
      await env.run(env.emulator.script(stalled(), stalled()))
      const thrown = await rejection((async () => {
        for await (const _ of await env.client.responses.create({ input: "x", stream: true })) {
          throw new Error("consumer bug")
        }
      })())
      assert.strictEqual((thrown as Error).message, "consumer bug")
      await closedWithin(env, 1, 100)

      const stream = await env.client.responses.create({ input: "y", stream: true })
      const aborted = await rejection((async () => {
        for await (const _ of stream) setTimeout(() => stream.controller.abort(), 10)
      })())
      assert.instanceOf(aborted, APIUserAbortError)
      await closedWithin(env, 2, 100)
    })
  )

  it(
    "an AbortSignal fired mid-request rejects with an abort error and closes the socket",
    withEnv(async (env) => {
      await env.run(env.emulator.script(stalled(), stalled()))
      const controller = new AbortController()
      setTimeout(() => controller.abort(), 50)
      const error = await rejection(env.client.responses.create({ input: "x" }, { signal: controller.signal }))
      assert.instanceOf(error, APIUserAbortError)
      assert.instanceOf(error, OpenAI.APIUserAbortError)
      await closedWithin(env, 1, 100)

      // the same signal on a stream: the loop ends with the abort error
      const signal = new AbortController()
      const stream = await env.client.responses.create({ input: "y", stream: true }, { signal: signal.signal })
      setTimeout(() => signal.abort(), 20)
      const fromLoop = await rejection((async () => {
        for await (const _ of stream) { /* wait */ }
      })())
      assert.instanceOf(fromLoop, APIUserAbortError)
      await closedWithin(env, 2, 100)
      // an already aborted signal: nothing is sent
      const before = (await env.run(env.emulator.requests)).length
      assert.instanceOf(await rejection(env.client.models.list({ signal: AbortSignal.abort() })), APIUserAbortError)
      assert.strictEqual((await env.run(env.emulator.requests)).length, before)
    })
  )

  it(
    "a usage-limit 429 rejects with RateLimited (resetsAt), instanceof OpenAI.RateLimitError",
    withEnv(async ({ client, emulator, run }) => {
      await run(emulator.script(
        CodexEmulator.usageLimit({ planType: "pro", resetsAt: 1767240000 }),
        CodexEmulator.usageLimit({ planType: "pro", resetsAt: 1767240000 })
      ))
      const error = await rejection(client.responses.create({ input: "x" }))
      assert.instanceOf(error, CodexError.RateLimited)
      assert.instanceOf(error, OpenAI.RateLimitError)
      assert.instanceOf(error, RateLimitError)
      assert.instanceOf(error, Error)
      if (!(error instanceof RateLimitError)) return
      assert.strictEqual(error._tag, "RateLimited")
      assert.strictEqual(error.resetsAt?.getTime(), 1767240000_000)
      assert.strictEqual(error.status, 429)
      assert.strictEqual(error.requestId, "req_emulated_429")
      assert.include(error.message, "usage limit")
      // a stream rejects at `await create(...)`, as openai-node's does
      const streamed = await rejection(client.responses.create({ input: "x", stream: true }))
      assert.instanceOf(streamed, OpenAI.RateLimitError)
    })
  )

  it(
    "every rejection is an instance of openai-node's class for its status and keeps its tag and fields",
    withEnv(async ({ client, emulator, run }) => {
      const missing: unknown = await rejection(client.models.retrieve("no-such-model"))
      if (!(missing instanceof OpenAI.NotFoundError)) return assert.fail("a NotFoundError")
      assert.strictEqual(missing._tag, "NotFound")
      assert.strictEqual(missing.status, 404)
      assert.instanceOf(missing, OpenAI.APIError)
      assert.instanceOf(missing, OpenAI.OpenAIError)
      assert.notInstanceOf(missing, OpenAI.RateLimitError)
      assert.instanceOf(missing, CodexError.NotFound, "the SDK's own class too")

      // a local validation error: openai-node's BadRequestError, status 400, param named; nothing sent
      const unsupported = await rejection(
        client.responses.create({ input: "x", temperature: 0.2 } as unknown as Responses.CreateParams)
      )
      assert.instanceOf(unsupported, OpenAI.BadRequestError)
      if (!(unsupported instanceof OpenAI.BadRequestError)) return
      assert.strictEqual(unsupported._tag, "UnsupportedParameter")
      assert.strictEqual(unsupported.status, 400)
      assert.strictEqual(unsupported.param, "temperature")

      // 429 with openai-node's fields: requestID, headers, type
      await run(emulator.script(CodexEmulator.usageLimit({ planType: "plus", resetsAt: 1767240000 })))
      const limited = await rejection(client.responses.create({ input: "x" }, { maxRetries: 0 }))
      assert.instanceOf(limited, APIError)
      if (!(limited instanceof RateLimitError)) return assert.fail("a RateLimitError")
      assert.strictEqual(limited.requestID, "req_emulated_429")
      assert.strictEqual(limited.headers?.get("x-request-id"), "req_emulated_429")
      assert.strictEqual(limited.type, "usage_limit_reached")
      assert.strictEqual(limited.planType, "plus")
      assert.notInstanceOf(limited, OpenAI.InternalServerError)

      // an Effect user's error is recognised too, and a plain Error is not
      assert.instanceOf(
        new CodexError.ServerError({ detail: "x", overloaded: false, status: 502 }),
        OpenAI.InternalServerError
      )
      assert.instanceOf(
        new CodexError.Timeout({ phase: "headers", endpoint: "e", after: Duration.seconds(1) }),
        OpenAI.APIConnectionError
      )
      assert.instanceOf(
        new CodexError.Timeout({ phase: "headers", endpoint: "e", after: Duration.seconds(1) }),
        OpenAI.APIConnectionTimeoutError
      )
      assert.instanceOf(new CodexError.UnexpectedStatus({ detail: "x", status: 409 }), OpenAI.ConflictError)
      assert.instanceOf(new CodexError.UnexpectedStatus({ detail: "x", status: 422 }), OpenAI.UnprocessableEntityError)
      assert.instanceOf(
        new CodexError.PermissionDenied({ reason: "forbidden", detail: "x" }),
        OpenAI.PermissionDeniedError
      )
      assert.notInstanceOf(new Error("plain"), OpenAI.OpenAIError)
      assert.instanceOf(new OpenAI.APIUserAbortError(), OpenAI.APIError)
    })
  )

  it(
    "responses.stream: listeners, iteration, and a finalResponse() that is right against this backend",
    withEnv(async ({ client, emulator, run }) => {
      await run(emulator.script(CodexEmulator.text("Hello from the helper"), CodexEmulator.text("iterated")))
      const deltas: Array<string> = []
      const snapshots: Array<string> = []
      const types: Array<string> = []
      let ended = false
      const stream = client.responses.stream({ input: "x" })
        .on("response.output_text.delta", (event) => {
          deltas.push(event.delta)
          snapshots.push(event.snapshot)
        })
        .on("event", (event) => types.push(event.type))
        .on("end", () => (ended = true))
      const response = await stream.finalResponse()
      assert.strictEqual(response.output_text, "Hello from the helper")
      assert.strictEqual(deltas.join(""), "Hello from the helper")
      assert.strictEqual(snapshots.at(-1), "Hello from the helper", "openai-node's snapshot: the text so far")
      assert.strictEqual(snapshots[0], deltas[0])
      assert.isAbove(response.output.length, 0, "items rebuilt from output_item.done")
      assert.strictEqual(types.at(-1), "response.completed")
      assert.isTrue(ended && stream.ended && !stream.errored)

      let text = ""
      const iterated = client.responses.stream({ input: "y" })
      for await (const event of iterated) if (event.type === "response.output_text.delta") text += event.delta
      assert.strictEqual(text, "iterated")
      assert.strictEqual((await iterated.finalResponse()).output_text, "iterated")
    })
  )

  it(
    "responses.stream: abort() closes the socket; finalResponse() rejects with the abort error",
    withEnv(async (env) => {
      await env.run(env.emulator.script(stalled(), stalled(), CodexEmulator.usageLimit()))
      const stream = env.client.responses.stream({ input: "x" })
      let aborts = 0
      stream.on("abort", () => aborts++)
      stream.once("response.output_text.delta", () => stream.abort())
      assert.instanceOf(await rejection(stream.finalResponse()), APIUserAbortError)
      assert.isTrue(stream.aborted)
      assert.strictEqual(aborts, 1)
      await closedWithin(env, 1, 100)

      // breaking out of its loop aborts too
      for await (
        const event of env.client.responses.stream({ input: "y" })
      ) if (event.type === "response.output_text.delta") break
      await closedWithin(env, 2, 100)

      // a failure reaches `error` listeners and finalResponse()
      const failing = env.client.responses.stream({ input: "z" })
      const errors: Array<unknown> = []
      failing.on("error", (error) => errors.push(error))
      assert.instanceOf(await rejection(failing.finalResponse()), RateLimitError)
      assert.instanceOf(errors[0], RateLimitError)
    })
  )

  it(
    "responses.compact",
    withEnv(async ({ client }) => {
      const compacted = await client.responses.compact({
        instructions: "Keep task-critical context.",
        input: [{ role: "user", content: "My name is Alice." }]
      })
      assert.match(compacted.id ?? "", /^resp_/, "compacted by a compaction_trigger over /responses")
      assert.deepStrictEqual(compacted.output.map((item) => item.type), ["message", "compaction"])
    })
  )

  it(
    "models.list is a page with data, async iterable (the promise too); models.retrieve",
    withEnv(async ({ client }) => {
      const page = await client.models.list()
      assert.strictEqual(page.object, "list")
      assert.isFalse(page.hasNextPage())
      const ids = page.data.map((m) => m.id)
      assert.include(ids, "gpt-5.4")
      const iterated: Array<string> = []
      for await (const model of page) iterated.push(model.id)
      assert.deepStrictEqual(iterated, ids)
      const direct: Array<string> = []
      for await (const model of client.models.list()) direct.push(model.id)
      assert.deepStrictEqual(direct, ids)
      assert.strictEqual((await client.models.retrieve("gpt-5.4")).id, "gpt-5.4")
    })
  )

  it(
    "realtime: calls.create, websocketUrl, websocketHeaders in the clear",
    withEnv(async ({ client, emulator, run }) => {
      const call = await client.realtime.calls.create({ sdp: "v=0\r\n" })
      assert.match(call.callId, /^rtc_/)
      assert.include(call.sdp, "s=emulated answer")
      // openai-node's shape: a fetch Response (the seed's answer.text, as a method)
      assert.instanceOf(call, globalThis.Response)
      assert.strictEqual(call.status, 201)
      assert.isTrue(call.ok)
      assert.strictEqual(call.headers.get("content-type"), "application/sdp")
      assert.match(call.headers.get("location") ?? "", /\/rtc_/)
      assert.strictEqual(await call.text(), call.sdp)
      assert.strictEqual(
        await client.realtime.websocketUrl({ model: "gpt-realtime" }),
        `ws://127.0.0.1:${new URL(emulator.url).port}/v1/realtime?model=gpt-realtime`
      )
      await run(Effect.flatMap(TokenStore.TokenStore, (store) =>
        store.modify(() =>
          Effect.succeed(
            [undefined, {
              idToken: Redacted.make("id"),
              accessToken: Redacted.make("at"),
              refreshToken: Redacted.make("rt"),
              apiKey: Redacted.make("sk-stored-key"),
              lastRefresh: new Date()
            }] as const
          )
        )))
      assert.deepStrictEqual(await client.realtime.websocketHeaders({ sessionId: "voice-1" }), {
        Authorization: "Bearer sk-stored-key",
        originator: "codex_cli_rs",
        "x-session-id": "voice-1"
      })
    })
  )

  it(
    "embeddings.create and audio.transcriptions.create",
    withEnv(async ({ client }) => {
      const embedding = await client.embeddings.create({ model: "text-embedding-3-small", input: "x", dimensions: 4 })
      assert.strictEqual(embedding.data[0]?.embedding.length, 4)
      const base64 = await client.embeddings.create({
        model: "text-embedding-3-small",
        input: "x",
        dimensions: 4,
        encoding_format: "base64"
      })
      assert.isString(base64.data[0]?.embedding)
      const transcript = await client.audio.transcriptions.create({
        file: new Uint8Array([1, 2, 3]),
        model: "m",
        response_format: "text"
      })
      assert.include(transcript, "audio.bin")
      const json = await client.audio.transcriptions.create({ file: new Uint8Array([1, 2, 3]), model: "m" })
      assert.include(json.text, "audio.bin")
    })
  )

  it(
    "audio.transcriptions.create takes files as openai-node and the seed do; a bad one is refused before sending",
    withEnv(async ({ client, emulator, run }) => {
      const wav = new Uint8Array([
        ...new TextEncoder().encode("RIFF"),
        36,
        0,
        0,
        0,
        ...new TextEncoder().encode("WAVEfmt "),
        1,
        2,
        3,
        4
      ])
      const dir = await NodeFs.mkdtemp(NodePath.join(NodeOs.tmpdir(), "audio-"))
      const path = NodePath.join(dir, "meeting.wav")
      await NodeFs.writeFile(path, wav)
      try {
        const forms: Array<[string, unknown]> = [
          ["fs.createReadStream", NodeFsSync.createReadStream(path)],
          ["File", new File([wav], "file.wav", { type: "audio/wav" })],
          ["fetch Response", new globalThis.Response(wav)],
          ["toFile(Buffer)", await toFile(Buffer.from(wav), "buffer.wav")],
          ["OpenAI.toFile(stream)", await OpenAI.toFile(NodeFsSync.createReadStream(path))],
          ["{ name, data, type }", { name: "parts.wav", data: wav, type: "audio/wav" }],
          ["the seed's tuple", ["tuple.wav", NodeFsSync.createReadStream(path), "audio/wav"]]
        ]
        const uploaded: Array<unknown> = []
        for (const [, file] of forms) {
          await run(emulator.reset)
          const transcript = await client.audio.transcriptions.create({
            file: file as never,
            model: "gpt-4o-mini-transcribe"
          })
          assert.isString(transcript.text)
          const [request] = await run(emulator.requests)
          uploaded.push((request?.body as { file: unknown }).file)
        }
        assert.deepStrictEqual(uploaded, [
          { name: "meeting.wav", type: "audio/wav", size: wav.length },
          { name: "file.wav", type: "audio/wav", size: wav.length },
          { name: "unknown_file.wav", type: "audio/wav", size: wav.length },
          { name: "buffer.wav", type: "audio/wav", size: wav.length },
          { name: "meeting.wav", type: "audio/wav", size: wav.length },
          { name: "parts.wav", type: "audio/wav", size: wav.length },
          { name: "tuple.wav", type: "audio/wav", size: wav.length }
        ])
        await run(emulator.reset)
        const refused = await rejection(
          client.audio.transcriptions.create({ file: 42 as never, model: "gpt-4o-mini-transcribe" })
        )
        assert.instanceOf(refused, OpenAI.BadRequestError)
        assert.strictEqual((refused as { _tag?: string })._tag, "InvalidParameter")
        assert.include(String(refused), "toFile")
        assert.deepStrictEqual(await run(emulator.requests), [], "nothing was sent")
      } finally {
        await NodeFs.rm(dir, { recursive: true, force: true })
      }
    })
  )

  it(
    "responses.parse: a json_schema format gives output_parsed and parsed parts; a refusal or a misfit rejects, typed",
    withEnv(async ({ client, emulator, run }) => {
      const format = {
        type: "json_schema" as const,
        name: "person",
        strict: true,
        schema: {
          type: "object",
          properties: { name: { type: "string" }, age: { type: "integer" } },
          required: ["name", "age"],
          additionalProperties: false
        }
      }
      const response = await client.responses.parse<{ name: string; age: number }>({
        input: "Extract: Bob is 42 years old.",
        text: { format }
      })
      assert.isString(response.output_parsed?.name)
      assert.isTrue(Number.isInteger(response.output_parsed?.age))
      const message = response.output.find((item) => item.type === "message") as {
        content: Array<{ type: string; parsed?: unknown }>
      } | undefined
      assert.deepStrictEqual(
        message?.content.find((part) => part.type === "output_text")?.parsed,
        response.output_parsed
      )

      await run(emulator.script(
        CodexEmulator.text("{\"name\":\"Bob\",\"age\":\"forty-two\"}"),
        CodexEmulator.text("not json"),
        CodexEmulator.refusal("I can't help with that.")
      ))
      const misfit = await rejection(client.responses.parse({ input: "x", text: { format } }))
      assert.strictEqual((misfit as { _tag?: string })._tag, "OutputMismatch")
      assert.instanceOf(misfit, OpenAI.OpenAIError)
      assert.include(String(misfit), "$.age is not integer")
      const notJson = await rejection(client.responses.parse({ input: "x", text: { format } }))
      assert.strictEqual((notJson as { _tag?: string })._tag, "OutputMismatch")
      const refused = await rejection(client.responses.parse({ input: "x", text: { format } }))
      assert.strictEqual((refused as { _tag?: string; refusal?: string })._tag, "ModelRefusal")
      assert.strictEqual((refused as { refusal?: string }).refusal, "I can't help with that.")

      // openai-node's zodTextFormat attaches a non-enumerable $parseRaw: it parses the reply
      const custom = Object.defineProperty({ ...format }, "$parseRaw", {
        value: (text: string) => ({ raw: text.length }),
        enumerable: false
      })
      const viaParseRaw = await client.responses.parse({
        input: "Extract: Bob is 42 years old.",
        text: { format: custom }
      })
      assert.isNumber((viaParseRaw.output_parsed as { raw: number }).raw)
    })
  )

  it(
    "codex: usage, tasks (+ turns, sibling turns), environments, memories, user system messages",
    withEnv(async ({ client }) => {
      assert.strictEqual((await client.codex.usage()).plan_type, "plus")
      const tasks = await client.codex.tasks.list({ limit: 1 })
      assert.deepStrictEqual((tasks["items"] as ReadonlyArray<{ id: string }>).map((t) => t.id), ["task_e_1"])
      assert.isObject((await client.codex.tasks.retrieve("task_e_1"))["task"])
      assert.strictEqual((await client.codex.tasks.turns.list("task_e_1"))["current_turn_id"], "turn_a_2")
      const siblings = await client.codex.tasks.turns.siblingTurns("task_e_1", "turn_a_1")
      assert.deepStrictEqual((siblings["sibling_turns"] as ReadonlyArray<{ id: string }>).map((t) => t.id), [
        "turn_a_2"
      ])
      assert.deepStrictEqual((await client.codex.environments.list()).map((e) => e["id"]), ["env_1", "env_2"])
      assert.lengthOf((await client.codex.memories.list())["memories"] as ReadonlyArray<unknown>, 2)
      assert.isObject(await client.codex.userSystemMessages.retrieve())
      assert.instanceOf(await rejection(client.codex.tasks.retrieve("task_nope")), OpenAI.NotFoundError)
    })
  )

  it(
    "per-request maxRetries: 0 sends once; the default retries",
    withEnv(async ({ client, emulator, run }) => {
      const serverError = CodexEmulator.http(500, { detail: "boom" })
      await run(emulator.scriptRoute("usage", serverError, serverError))
      const error = await rejection(client.codex.usage({ maxRetries: 0 }))
      assert.strictEqual((error as CodexError.ServerError)._tag, "ServerError")
      assert.lengthOf(await run(emulator.requests), 1)
      assert.strictEqual((await client.codex.usage()).plan_type, "plus", "the second 500 is retried")
      assert.lengthOf(await run(emulator.requests), 3)
      // the override's services are reused for the same options
      assert.strictEqual((await client.codex.usage({ maxRetries: 0 })).plan_type, "plus")
      // many distinct options: the oldest overrides are forgotten (and rebuilt when asked again)
      for (let i = 0; i < 20; i++) {
        assert.strictEqual((await client.codex.usage({ timeout: 10_000 + i })).plan_type, "plus")
      }
      assert.strictEqual((await client.codex.usage({ timeout: 10_000 })).plan_type, "plus")
    })
  )

  it("per-request timeout: a server that never answers rejects with Timeout (APIConnectionTimeoutError)", async () => {
    const silent = Net.createServer(() => undefined)
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve))
    const address = silent.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    const deaf = new OpenAI({
      layer: layerClient({ config: { codexBaseUrl: `http://127.0.0.1:${port}/backend-api/codex` } })
    })
    try {
      const started = performance.now()
      const error = await rejection(deaf.models.list({ timeout: 50, maxRetries: 0 }))
      assert.instanceOf(error, OpenAI.APIConnectionTimeoutError)
      assert.isBelow(performance.now() - started, 2000)
    } finally {
      await deaf.close()
      silent.close()
    }
  })

  it("over CodexClient.layerTest: no server at all; a group the layer lacks rejects naming it", async () => {
    const client = new OpenAI({
      layer: CodexClient.layerTest({
        responses: {
          create: Responses.createFromStream(() => EffectStream.fromIterable(CodexEmulator.textEvents("fake answer")))
        }
      })
    })
    assert.strictEqual((await client.responses.create({ input: "x" })).output_text, "fake answer")
    assert.strictEqual(await client.authenticate({ login: false }), client, "no CodexAuth: nothing to check")
    const partial = new OpenAI({ layer: Layer.empty })
    assert.include(String(await rejection(partial.codex.usage())), "codex-backend-sdk/CodexAccount")
    await client.close()
    await partial.close()
  })
})

describe("OpenAI facade: authenticate against the emulated issuer", () => {
  it("no auth.json: login false rejects with AuthExpired; login device signs in, then calls work", async () => {
    const dir = await NodeFs.mkdtemp(NodePath.join(NodeOs.tmpdir(), "codex-home-"))
    const client = new OpenAI({
      layer: layerClient({ codexHome: dir, deviceInterval: 0, devicePendingPolls: 1 })
    })
    try {
      const expired = await rejection(client.authenticate({ login: false }))
      assert.instanceOf(expired, OpenAI.AuthenticationError)
      assert.strictEqual(expired instanceof OpenAI.AuthenticationError && expired.reason, "missing_credentials")
      const codes: Array<OAuth.DeviceCode> = []
      const same = await client.authenticate({ login: "device", onCode: (code) => codes.push(code) })
      assert.strictEqual(same, client)
      assert.match(codes[0]?.userCode ?? "", /^.{4}-.{4}$/)
      assert.include(await NodeFs.readdir(dir), "auth.json")
      assert.strictEqual((await client.responses.create({ input: "hi" })).output_text, "You said: hi")
      // signed in: authenticate() resolves without a login
      assert.strictEqual(await client.authenticate({ login: false }), client)
    } finally {
      await client.close()
      await NodeFs.rm(dir, { recursive: true, force: true })
    }
  })
})

describe("OpenAI facade: asking for an API key at sign-in (the seed's request_api_key)", () => {
  const withHome = async (f: (dir: string) => Promise<void>) => {
    const dir = await NodeFs.mkdtemp(NodePath.join(NodeOs.tmpdir(), "codex-home-"))
    try {
      await f(dir)
    } finally {
      await NodeFs.rm(dir, { recursive: true, force: true })
    }
  }
  const storedKey = async (dir: string): Promise<unknown> =>
    (JSON.parse(await NodeFs.readFile(NodePath.join(dir, "auth.json"), "utf8")) as Record<string, unknown>)[
      "OPENAI_API_KEY"
    ]

  it("a device login with requestApiKey stores a key; the realtime WebSocket helpers then work", () =>
    withHome(async (dir) => {
      const client = new OpenAI({
        layer: layerClient({ codexHome: dir, deviceInterval: 0, devicePendingPolls: 0 })
      })
      try {
        await client.authenticate({ login: "device", requestApiKey: true, onCode: () => undefined })
        assert.match(String(await storedKey(dir)), /^sk-emulated-/)
        const headers = await client.realtime.websocketHeaders({ session_id: "voice-session" })
        assert.match(headers["Authorization"] ?? "", /^Bearer sk-emulated-/)
      } finally {
        await client.close()
      }
    }))

  it("a stored login without a key gets one from authenticate({ requestApiKey: true }); without it, none", () =>
    withHome(async (dir) => {
      const client = new OpenAI({
        layer: layerClient({ codexHome: dir, deviceInterval: 0, devicePendingPolls: 0 })
      })
      try {
        await client.authenticate({ login: "device", onCode: () => undefined })
        assert.isNull(await storedKey(dir), "a device login asks for no key by default")
        assert.instanceOf(await rejection(client.realtime.websocketHeaders()), OpenAI.OpenAIError)
        await client.authenticate({ login: false, requestApiKey: true })
        assert.match(String(await storedKey(dir)), /^sk-emulated-/)
        assert.match((await client.realtime.websocketHeaders())["Authorization"] ?? "", /^Bearer sk-emulated-/)
      } finally {
        await client.close()
      }
    }))
})

describe("OpenAI facade: process lifetime", () => {
  it("a process that makes a call and never calls close() exits by itself", async () => {
    const env = await setup()
    const dir = await NodeFs.mkdtemp(NodePath.join(NodeOs.tmpdir(), "codex-home-"))
    try {
      const tokens = await env.run(env.emulator.issuer.issue(3600))
      await NodeFs.writeFile(
        NodePath.join(dir, "auth.json"),
        JSON.stringify({
          auth_mode: "chatgpt",
          OPENAI_API_KEY: null,
          tokens: {
            id_token: tokens.idToken,
            access_token: tokens.accessToken,
            refresh_token: tokens.refreshToken,
            account_id: "acct_emulated"
          },
          last_refresh: new Date().toISOString()
        })
      )
      const script = NodePath.join(import.meta.dirname, "fixtures", "facadeNoClose.ts")
      const started = performance.now()
      const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = NodeChild.spawn(process.execPath, ["--import", "tsx", script], {
          env: {
            ...process.env,
            CODEX_HOME: dir,
            CODEX_BASE_URL: env.emulator.config.codexBaseUrl ?? "",
            CODEX_CHATGPT_BASE_URL: env.emulator.config.chatgptBaseUrl ?? "",
            CODEX_AUTH_ISSUER: env.emulator.url
          },
          stdio: ["ignore", "pipe", "inherit"]
        })
        let out = ""
        child.stdout.on("data", (d) => (out += d))
        const timer = setTimeout(() => child.kill(), 20_000)
        child.on("exit", (code) => {
          clearTimeout(timer)
          resolve({ code, out })
        })
      })
      assert.strictEqual(code, 0, `the process exited by itself (after ${Math.round(performance.now() - started)} ms)`)
      assert.strictEqual(out.trim(), "You said: from a subprocess")
    } finally {
      await env.dispose()
      await NodeFs.rm(dir, { recursive: true, force: true })
    }
  }, 30_000)
})

// The event type of a streamed create is the SDK's own.
const _eventType = (event: ResponseStreamEvent.ResponseStreamEvent) => event.type
void _eventType
