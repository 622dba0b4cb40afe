import { KeyValueStore } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer } from "effect"
import * as NodeChild from "node:child_process"
import * as NodeFs from "node:fs/promises"
import * as NodePath from "node:path"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { Conversation } from "../src/index.js"
import { layerClient, tempHome } from "./helpers.js"

/**
 * Stored conversations: the file store survives a kill in the middle of a turn and a torn
 * last line, a `KeyValueStore` keeps them too, and `resume` in a fresh service (a new
 * process, as far as the store is concerned) continues where the conversation stopped.
 */
const emulated = layerClient({ config: { retryBaseDelay: Duration.millis(1), maxStreamRetries: 0 } })

const textsOf = (items: ReadonlyArray<unknown>) =>
  items.map((item) => {
    const content = (item as { content?: Array<{ text?: string }> }).content
    return content?.map((part) => part.text ?? "").join("") ?? (item as { type: string }).type
  })

/** A fresh file-backed service over `dir`, as a new process would build it. */
const inDirectory = (dir: string) => <A, E>(effect: Effect.Effect<A, E, Conversation.Conversations>) =>
  Effect.provide(effect, Conversation.layerFileSystem(dir).pipe(Layer.provide(NodeFileSystem.layer)))

describe("Conversation stores", () => {
  it.scoped("a process killed mid-turn: resume(id) holds exactly the completed turns", () =>
    Effect.gen(function*() {
      const dir = yield* tempHome
      const emulator = yield* CodexEmulator.CodexEmulator
      // The third turn stalls after its first events: the child is killed while it waits.
      yield* emulator.script(
        CodexEmulator.text("first answer"),
        CodexEmulator.text("second answer"),
        CodexEmulator.sse(CodexEmulator.textEvents("never finished").slice(0, 4), { ending: "stall" })
      )
      const script = NodePath.join(import.meta.dirname, "fixtures", "conversationTurns.ts")
      const output = yield* Effect.async<string>((resume) => {
        const child = NodeChild.spawn(process.execPath, ["--import", "tsx", script, "one", "two", "three"], {
          env: { ...process.env, EMULATOR_URL: emulator.url, CONVERSATION_ID: "killed", CONVERSATION_DIR: dir },
          stdio: ["ignore", "pipe", "inherit"]
        })
        let out = ""
        child.stdout.on("data", (chunk) => {
          out += chunk
          // Give the third request time to reach the stalled stream, then kill.
          if (out.includes("done 2")) setTimeout(() => child.kill("SIGKILL"), 300)
        })
        const timer = setTimeout(() => child.kill("SIGKILL"), 15_000)
        child.on("exit", () => {
          clearTimeout(timer)
          resume(Effect.succeed(out))
        })
      })
      assert.include(output, "done 2")
      assert.notInclude(output, "done 3")
      const requests = (yield* emulator.requests).filter((r) => r.path.endsWith("/responses"))
      assert.strictEqual(requests.length, 3, "the third turn was in flight")
      const history = yield* inDirectory(dir)(
        Effect.flatMap(Conversation.Conversations, (c) => c.resume("killed")).pipe(
          Effect.flatMap((chat) => chat.history)
        )
      )
      assert.deepStrictEqual(textsOf(history), ["one", "first answer", "two", "second answer"])
      // And it continues: the next request replays exactly that history.
      const answer = yield* inDirectory(dir)(Effect.gen(function*() {
        const chat = yield* (yield* Conversation.Conversations).resume("killed")
        return yield* chat.send("three")
      }))
      assert.strictEqual(answer.output_text, "You said: three")
      const last = (yield* emulator.requests).at(-1)?.body as { input: Array<unknown>; prompt_cache_key: string }
      assert.deepStrictEqual(textsOf(last.input), ["one", "first answer", "two", "second answer", "three"])
      assert.strictEqual(last.prompt_cache_key, "killed")
    }).pipe(Effect.provide(emulated)), 30_000)

  it.scoped("a torn last line is ignored, and cut off before the next append", () =>
    Effect.gen(function*() {
      const dir = yield* tempHome
      yield* inDirectory(dir)(Effect.gen(function*() {
        const chat = yield* (yield* Conversation.Conversations).start({ id: "torn" })
        yield* chat.send("one")
      }))
      const file = NodePath.join(dir, "torn.jsonl")
      yield* Effect.promise(() => NodeFs.appendFile(file, "{\"kind\":\"turn\",\"items\":[{\"type\":\"mess"))
      const history = yield* inDirectory(dir)(Effect.gen(function*() {
        const chat = yield* (yield* Conversation.Conversations).resume("torn")
        yield* chat.send("two")
        return yield* chat.history
      }))
      assert.deepStrictEqual(textsOf(history), ["one", "You said: one", "two", "You said: two"])
      const lines = (yield* Effect.promise(() => NodeFs.readFile(file, "utf8"))).split("\n")
      assert.strictEqual(lines.pop(), "", "the file ends with a whole line")
      assert.deepStrictEqual(lines.map((line) => (JSON.parse(line) as { kind: string }).kind), [
        "start",
        "turn",
        "turn"
      ])
      const resumed = yield* inDirectory(dir)(Effect.flatMap(Conversation.Conversations, (c) => c.resume("torn")))
      assert.strictEqual((yield* resumed.history).length, 4)
    }).pipe(Effect.provide(emulated)))

  it.effect("layerStore keeps conversations in a KeyValueStore, compactions included", () =>
    Effect.gen(function*() {
      const inStore = <A, E>(effect: Effect.Effect<A, E, Conversation.Conversations>) =>
        Effect.provide(effect, Conversation.layerStore)
      const before = yield* inStore(Effect.gen(function*() {
        const chat = yield* (yield* Conversation.Conversations).start({ id: "kv", instructions: "Be brief." })
        yield* chat.send("one")
        yield* chat.send("two")
        yield* chat.compact
        yield* chat.send("three")
        return yield* chat.history
      }))
      const after = yield* inStore(Effect.gen(function*() {
        const chat = yield* (yield* Conversation.Conversations).resume("kv")
        assert.strictEqual(chat.options.instructions, "Be brief.")
        return yield* chat.history
      }))
      assert.deepStrictEqual(after, before)
      assert.deepStrictEqual(textsOf(after).at(-1), "You said: three")
    }).pipe(Effect.provide(Layer.merge(emulated, KeyValueStore.layerMemory))))
})
