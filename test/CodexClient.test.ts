import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Stream } from "effect"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { Audio, CodexAccount, CodexClient, Embeddings, Realtime, Responses } from "../src/index.js"
import { layerClient } from "./helpers.js"

/** An app function that depends on CodexClient only, as a user would write it. */
const dailyReport = Effect.gen(function*() {
  const client = yield* CodexClient.CodexClient
  const usage = yield* client.codex.usage()
  const { data } = yield* client.models.list()
  const answer = yield* client.responses.create({ input: `Summarise: ${data.length} models` })
  return `${usage.plan_type}: ${answer.output_text} (${usage.rate_limit?.primary_window?.used_percent ?? 0}% used)`
})

describe("CodexClient", () => {
  it.live("the live aggregate holds every group, in the seed's shape", () =>
    Effect.gen(function*() {
      const client = yield* CodexClient.CodexClient
      const report = yield* dailyReport
      assert.strictEqual(report, "plus: You said: Summarise: 3 models (42% used)")
      const embedding = yield* client.embeddings.create({ model: "text-embedding-3-small", input: "x", dimensions: 4 })
      assert.strictEqual(embedding.data[0]?.embedding.length, 4)
      const transcript = yield* client.audio.transcriptions.create({
        file: new Uint8Array([1, 2, 3]),
        model: "m",
        response_format: "text"
      })
      assert.include(transcript, "audio.bin")
      const call = yield* client.realtime.calls.create({ sdp: "v=0\r\n" })
      assert.match(call.callId, /^rtc_/)
      const tasks = yield* client.codex.tasks.list()
      assert.isArray(tasks["items"])
      // the aggregate and the group tags are the same services
      assert.strictEqual(client.responses, yield* Responses.Responses)
      assert.strictEqual(client.codex, yield* CodexAccount.CodexAccount)
    }).pipe(Effect.provide(layerClient())))

  it.effect("layerTest: an app that depends on CodexClient runs with no server at all", () =>
    Effect.gen(function*() {
      const report = yield* dailyReport
      assert.strictEqual(report, "pro: fake answer (7% used)")
    }).pipe(Effect.provide(CodexClient.layerTest({
      codex: {
        usage: () => Effect.succeed({ plan_type: "pro", rate_limit: { primary_window: { used_percent: 7 } }, raw: {} })
      },
      models: { list: () => Effect.succeed({ object: "list", data: [] }) },
      responses: {
        create: Responses.createFromStream(() => Stream.fromIterable(CodexEmulator.textEvents("fake answer")))
      }
    }))))

  it.effect("layerTest: a method left out dies with a message naming it, on the aggregate and on each group's tag", () =>
    Effect.gen(function*() {
      const client = yield* CodexClient.CodexClient
      const named = (exit: Exit.Exit<unknown, unknown>, name: string) =>
        assert.isTrue(
          Exit.isFailure(exit) && String(exit.cause).includes(`${name} is not implemented by this test layer`),
          name
        )
      named(yield* Effect.exit(client.models.retrieve("x")), "Models.retrieve")
      named(
        yield* Effect.exit(client.codex.tasks.turns.siblingTurns("a", "b")),
        "CodexAccount.tasks.turns.siblingTurns"
      )
      named(
        yield* Effect.exit(client.audio.transcriptions.create({ file: new Uint8Array(1), model: "m" })),
        "Audio.transcriptions.create"
      )
      named(yield* Effect.exit(client.realtime.calls.create({ sdp: "v=0" })), "Realtime.calls.create")
      named(yield* Effect.exit(client.embeddings.create({ model: "m", input: "x" })), "Embeddings.create")
      named(
        yield* Effect.exit(Effect.flatMap(Realtime.Realtime, (r) => r.websocketHeaders())),
        "Realtime.websocketHeaders"
      )
    }).pipe(Effect.provide(CodexClient.layerTest({}))))

  it.effect("each group's own layerTest serves code that depends on that group alone", () =>
    Effect.gen(function*() {
      const embeddings = yield* Embeddings.Embeddings
      const audio = yield* Audio.Audio
      const result = yield* embeddings.create({ model: "m", input: "x" })
      assert.deepStrictEqual(result.data[0]?.embedding, [0.5])
      assert.strictEqual((yield* audio.transcriptions.create({ file: new Uint8Array(1), model: "m" })).text, "hello")
    }).pipe(
      Effect.provide(Embeddings.layerTest({
        create: () =>
          Effect.succeed({ object: "list", data: [{ object: "embedding", index: 0, embedding: [0.5] }], model: "m" })
      })),
      Effect.provide(Audio.layerTest({ transcriptions: { create: () => Effect.succeed("hello") } }))
    ))
})
