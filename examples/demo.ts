/**
 * `npm run demo`: starts the built-in emulator on loopback and runs the README's examples
 * against it through the real client stack (HTTP, SSE decoding, collector, retries).
 * Nothing here talks to chatgpt.com.
 */
import { NodeRuntime } from "@effect/platform-node"
import {
  Audio,
  Batch,
  CodexAccount,
  CodexError,
  Conversation,
  Embeddings,
  Models,
  OAuth,
  Realtime,
  Response,
  Responses,
  ResponseStreamEvent
} from "codex-backend-sdk"
import * as CodexEmulator from "codex-backend-sdk/CodexEmulator"
import { Chunk, Console, Duration, Effect, Stream } from "effect"
import * as NodeFs from "node:fs/promises"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"

const section = (title: string) => Console.log(`\n━━ ${title} ${"━".repeat(Math.max(0, 60 - title.length))}`)

const basic = Effect.gen(function*() {
  yield* section("Basic: responses.create")
  const responses = yield* Responses.Responses
  const response = yield* responses.create({ model: "gpt-5.4", input: "Explain quicksort in one paragraph." })
  yield* Console.log(`output_text: ${response.output_text}`)
  yield* Console.log(`usage:       ${JSON.stringify(response.usage)}`)
})

const streaming = Effect.gen(function*() {
  yield* section("Streaming: responses.stream")
  const responses = yield* Responses.Responses
  let deltas = 0
  yield* responses.stream({ input: "Say 'hi' five times." }).pipe(
    Stream.filter(ResponseStreamEvent.is("response.output_text.delta")),
    Stream.runForEach((event) =>
      Effect.sync(() => {
        deltas++
        process.stdout.write(event.delta)
      })
    )
  )
  yield* Console.log(`\n(${deltas} text deltas)`)
})

const multiTurn = Effect.gen(function*() {
  yield* section("Multi-turn: replay history explicitly")
  const responses = yield* Responses.Responses
  const history: Array<Responses.InputItem> = [{ role: "user", content: "My name is Alice. Say OK." }]
  const reply1 = (yield* responses.create({ input: history })).output_text
  history.push({ role: "assistant", content: reply1 }, { role: "user", content: "What is my name?" })
  const reply2 = (yield* responses.create({ input: history })).output_text
  yield* Console.log(`turn 1: ${reply1}\nturn 2: ${reply2}  (history of ${history.length} items sent)`)
})

const functionCalling = Effect.gen(function*() {
  yield* section("Function calling")
  const responses = yield* Responses.Responses
  const tools: ReadonlyArray<Responses.Tool> = [{
    type: "function",
    name: "get_weather",
    description: "Get the current weather for a city.",
    parameters: {
      type: "object",
      properties: { city: { type: "string" } },
      required: ["city"],
      additionalProperties: false
    }
  }]
  // The emulator calls a tool only when asked: "call tool NAME" in the prompt (a real model decides itself).
  const first = yield* responses.create({ input: "What's the weather in Paris? call tool get_weather", tools })
  const call = first.output.find(Response.isFunctionCall)
  if (call === undefined) return yield* Console.log("the model answered without calling the tool")
  yield* Console.log(`model called ${call.name}(${call.arguments})`)
  const result = { temperature: 18, unit: "celsius", condition: "cloudy" }
  const second = yield* responses.create({
    input: [call, { type: "function_call_output", call_id: call.call_id, output: JSON.stringify(result) }],
    tools
  })
  yield* Console.log(`answer: ${second.output_text}`)
})

const structuredOutput = Effect.gen(function*() {
  yield* section("Structured output")
  const responses = yield* Responses.Responses
  const response = yield* responses.create({
    input: "Extract: Bob is 42 years old.",
    text: {
      format: {
        type: "json_schema",
        name: "person",
        schema: {
          type: "object",
          properties: { name: { type: "string" }, age: { type: "integer" } },
          required: ["name", "age"],
          additionalProperties: false
        },
        strict: true
      }
    }
  })
  yield* Console.log(`parsed: ${JSON.stringify(JSON.parse(response.output_text))}`)
})

const reasoning = Effect.gen(function*() {
  yield* section("Reasoning summary")
  const responses = yield* Responses.Responses
  const response = yield* responses.create({
    input: "Is 97 prime?",
    reasoning: { effort: "medium", summary: "auto" }
  })
  yield* Console.log(`summary: ${Response.reasoningSummary(response)}`)
  yield* Console.log(`answer:  ${response.output_text}`)
})

const compaction = Effect.gen(function*() {
  yield* section("Context compaction")
  const responses = yield* Responses.Responses
  const emulator = yield* CodexEmulator.CodexEmulator
  const history: Array<Responses.InputItem> = [
    { role: "user", content: "Let's plan a trip to Lisbon." },
    { role: "assistant", content: "Sure: when do you travel?" },
    { role: "user", content: "In May, for five days." },
    { role: "assistant", content: "Five days in May: hotels in Alfama are 20 % cheaper before the 15th." }
  ]
  // A /responses request whose last input item is {"type":"compaction_trigger"} (the backend's way today).
  const compacted = yield* responses.compact({ instructions: "Keep task-critical context.", input: history })
  const sent = (yield* emulator.requests).at(-1)
  yield* Console.log(`${sent?.method} ${sent?.path} with a final compaction_trigger item`)
  yield* Console.log(
    `compacted ${history.length} items into ${compacted.output.length}: ${
      compacted.output.map((i) => i.type).join(", ")
    }`
  )
  const next = yield* responses.create({ input: [...compacted.output, { role: "user", content: "Book it." }] })
  yield* Console.log(`next turn: ${next.output_text}`)
})

const conversation = Effect.gen(function*() {
  yield* section("Conversation: kept history, one prompt_cache_key, automatic compaction")
  const conversations = yield* Conversation.Conversations
  // compactAt stands in for the model's auto_compact_token_limit (244 800 tokens for gpt-5.4).
  const chat = yield* conversations.start({ instructions: "Be brief.", compactAt: 600 })
  for (let turn = 1; turn <= 14; turn++) {
    const before = (yield* chat.compactions).length
    const answer = yield* chat.send(`Note ${turn}: the meeting room is ${100 + turn}.`)
    const compactions = yield* chat.compactions
    const done = compactions[before]
    const note = done === undefined
      ? ""
      : `   ← compacted first (${done.reason}, ${done.via}): ${done.itemsBefore} items ≈${done.tokensBefore} tokens → ${done.itemsAfter} items ≈${done.tokensAfter}`
    yield* Console.log(`turn ${String(turn).padStart(2)}: ${answer.usage?.input_tokens} input tokens${note}`)
  }
  const history = yield* chat.history
  yield* Console.log(
    `conversation ${chat.id}: ${history.length} items in its history (${
      history.filter((i) => i.type === "compaction").length
    } compaction item)`
  )
}).pipe(Effect.provide(Conversation.layer))

const errors = Effect.gen(function*() {
  yield* section("Typed errors and retries (faults injected by the emulator)")
  const responses = yield* Responses.Responses
  const emulator = yield* CodexEmulator.CodexEmulator

  const unsupported = yield* Effect.flip(
    responses.create({ input: "x", ...JSON.parse("{\"temperature\":0.2}") })
  )
  yield* Console.log(`[${unsupported._tag}] ${unsupported.message}`)

  yield* emulator.script(CodexEmulator.usageLimit({ planType: "plus" }))
  yield* responses.create({ input: "x" }).pipe(
    Effect.catchTag(
      "RateLimited",
      (error) =>
        Console.log(
          `[RateLimited/${error.kind}] resets at ${error.resetsAt?.toISOString()}, request id ${error.requestId}`
        )
    )
  )

  yield* emulator.script(CodexEmulator.http(500, { error: { message: "high demand" } }))
  const retried = yield* responses.create({ input: "retry after a 500" })
  yield* Console.log(`a 500 was retried transparently: ${retried.output_text}`)

  yield* emulator.script(CodexEmulator.sse(CodexEmulator.textEvents("lost in transit").slice(0, 6)))
  const survived = yield* responses.create({ input: "survive a cut stream" })
  yield* Console.log(`a cut stream was redone (create only): ${survived.output_text}`)

  yield* emulator.script(CodexEmulator.sse(CodexEmulator.textEvents("lost in transit").slice(0, 6)))
  const cut = yield* Effect.flip(Stream.runDrain(responses.stream({ input: "a streamed call surfaces it" })))
  yield* Console.log(`[${cut._tag}] ${cut.message}`)
  if (cut instanceof CodexError.StreamInterrupted) {
    yield* Console.log("  (streamed calls are never replayed: every send is billable)")
  }
})

const models = Effect.gen(function*() {
  yield* section("Models: the catalog of this account (cached for 300 s)")
  const catalog = yield* Models.Models
  const { data } = yield* catalog.list()
  for (const model of data) {
    const efforts = model.supported_reasoning_levels?.map((level) => level.effort).join("/") ?? "-"
    yield* Console.log(
      `${model.id.padEnd(14)} ${String(model.context_window ?? "?").padStart(7)} tokens  reasoning ${efforts}`
    )
  }
  const mini = yield* catalog.retrieve("gpt-5.4-mini")
  yield* Console.log(
    `retrieve("gpt-5.4-mini"): plans ${mini.available_in_plans?.join(", ")} (from the cache, no request)`
  )
})

const account = Effect.gen(function*() {
  yield* section("Usage and Codex cloud tasks (client.codex)")
  const codex = yield* CodexAccount.CodexAccount
  const usage = yield* codex.usage()
  const windows = [usage.rate_limit?.primary_window, usage.rate_limit?.secondary_window]
  for (const window of windows) {
    if (window === null || window === undefined) continue
    const hours = Math.round((window.limit_window_seconds ?? 0) / 3600)
    const resets = window.reset_at === null || window.reset_at === undefined
      ? "?"
      : new Date(window.reset_at * 1000).toISOString()
    yield* Console.log(`${usage.plan_type} plan, ${hours} h window: ${window.used_percent}% used, resets ${resets}`)
  }
  const tasks = yield* codex.tasks.list({ limit: 10 })
  const items = Array.isArray(tasks["items"]) ? tasks["items"] : []
  yield* Console.log(
    `${items.length} cloud tasks; environments: ${(yield* codex.environments.list()).map((e) => e["label"]).join(", ")}`
  )
})

const embeddingsAndAudio = Effect.gen(function*() {
  yield* section("Embeddings and transcription (api.openai.com, bearer only)")
  const embeddings = yield* Embeddings.Embeddings
  const result = yield* embeddings.create({
    model: "text-embedding-3-small",
    input: "Embed this sentence.",
    dimensions: 256
  })
  const vector = result.data[0]?.embedding ?? []
  yield* Console.log(
    `embedding: ${vector.length} floats [${vector.slice(0, 3).map((x) => x.toFixed(4)).join(", ")}, …]`
  )
  const audio = yield* Audio.Audio
  const wav = new Uint8Array(44)
  wav.set([..."RIFF"].map((c) => c.charCodeAt(0)), 0)
  wav.set([..."WAVE"].map((c) => c.charCodeAt(0)), 8)
  const transcription = yield* audio.transcriptions.create({ file: wav, model: "gpt-4o-mini-transcribe" })
  yield* Console.log(`transcription: ${transcription.text}`)
  const realtime = yield* Realtime.Realtime
  const call = yield* realtime.calls.create({
    sdp: "v=0\r\n",
    session: { type: "realtime", model: "gpt-realtime-1.5" }
  })
  yield* Console.log(
    `realtime call ${call.callId}; WebSocket URL ${yield* realtime.websocketUrl({ model: "gpt-realtime-1.5" })}`
  )
})

const batch = Effect.gen(function*() {
  yield* section("Batch: 12 prompts, 4 in flight, through a usage-limit window")
  const emulator = yield* CodexEmulator.CodexEmulator
  const resetsAt = Math.ceil(Date.now() / 1000) + 3
  // The 5th request meets a usage limit that resets in ~3 s; a 500 along the way is retried.
  yield* emulator.script(
    CodexEmulator.text("answer 1"),
    CodexEmulator.http(500, { error: { message: "high demand" } }),
    CodexEmulator.text("answer 2"),
    CodexEmulator.text("answer 3"),
    CodexEmulator.usageLimit({ resetsAt })
  )
  const started = Date.now()
  const seconds = () => ((Date.now() - started) / 1000).toFixed(1).padStart(4)
  let paused = false
  const results = yield* Batch.run(
    Stream.fromIterable(Array.from({ length: 12 }, (_, i) => ({ id: `prompt-${i + 1}`, input: `Question ${i + 1}` }))),
    {
      concurrency: 4,
      onProgress: (p) =>
        p.pausedUntil !== undefined && !paused
          ? Effect.zipRight(
            Effect.sync(() => void (paused = true)),
            Console.log(
              `[${seconds()} s] usage limit met: every worker pauses until ${p.pausedUntil.toLocaleTimeString()} (${p.ok} done, ${p.inFlight} in flight)`
            )
          )
          : p.pausedUntil === undefined && paused
          ? Effect.zipRight(
            Effect.sync(() => void (paused = false)),
            Console.log(`[${seconds()} s] window reset: resuming`)
          )
          : Effect.void
    }
  ).pipe(Stream.runCollect)
  const ok = Chunk.filter(results, (r) => r.status === "ok").pipe(Chunk.size)
  const requests = (yield* emulator.requests).filter((r) => r.path.endsWith("/responses")).length
  yield* Console.log(
    `[${seconds()} s] ${ok}/12 ok, none reported failed; the emulator answered ${requests} requests since the start of the demo`
  )
})

/** Signs in against the emulated issuer into a temporary CODEX_HOME, then survives token expiry. */
const auth = Effect.gen(function*() {
  yield* section("Sign in (device code) and refresh, with a real auth.json")
  const home = yield* Effect.acquireRelease(
    Effect.promise(() => NodeFs.mkdtemp(NodePath.join(NodeOs.tmpdir(), "codex-demo-"))),
    (dir) => Effect.promise(() => NodeFs.rm(dir, { recursive: true, force: true }))
  )
  yield* Effect.gen(function*() {
    const login = yield* OAuth.loginDevice({
      onCode: (code) => Console.log(`enter ${code.userCode} at ${code.verificationUrl} (the emulator approves it)`)
    })
    yield* Console.log(
      `signed in as ${login.email}, account ${login.accountId}; ${NodePath.join(home, "auth.json")} written (mode 0600)`
    )
    const emulator = yield* CodexEmulator.CodexEmulator
    const responses = yield* Responses.Responses
    yield* emulator.script(CodexEmulator.http(401, { error: { code: "token_expired", message: "expired" } }))
    const answer = yield* responses.create({ input: "still signed in?" })
    yield* Console.log(
      `a 401 triggered one refresh (${yield* emulator.issuer
        .refreshRequests} refresh request), then: ${answer.output_text}`
    )
  }).pipe(Effect.provide(CodexEmulator.layerClient({ codexHome: home, deviceInterval: 0 })))
}).pipe(Effect.scoped)

const program = Effect.gen(function*() {
  const emulator = yield* CodexEmulator.CodexEmulator
  yield* Console.log(`codex-backend-sdk demo — emulator listening on ${emulator.url} (nothing leaves this machine)`)
  yield* basic
  yield* streaming
  yield* multiTurn
  yield* functionCalling
  yield* structuredOutput
  yield* reasoning
  yield* compaction
  yield* conversation
  yield* models
  yield* account
  yield* embeddingsAndAudio
  yield* errors
  yield* batch
  yield* auth
  const requests = yield* emulator.requests
  yield* Console.log(
    `\n${requests.length} HTTP requests reached the first emulator (the sign-in ran against a second one).`
  )
})

program.pipe(
  Effect.provide(CodexEmulator.layerClient({ config: { retryBaseDelay: Duration.millis(50) } })),
  NodeRuntime.runMain
)
