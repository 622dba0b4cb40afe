import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { Responses } from "../src/index.js"
import { layerClient } from "./helpers.js"

/**
 * The 20 recorded reply bodies of `fixtures/real-streams/` (Codex backend and OpenAI API,
 * recorded by others; see its MANIFEST.md), replayed byte for byte through the live stack
 * against the emulator: the collector and the decoder must rebuild what each recording proves.
 */
const dir = NodePath.join(import.meta.dirname, "fixtures", "real-streams")
const manifest = NodeFs.readFileSync(NodePath.join(dir, "MANIFEST.md"), "utf8")

interface Expected {
  readonly file: string
  readonly terminal: "completed" | "failed" | "none"
  readonly items: ReadonlyArray<string>
  readonly outputText: string
  readonly outputTokens: number | undefined
}

const expected: ReadonlyArray<Expected> = manifest.split(/^## `/m).slice(1).flatMap((section): Array<Expected> => {
  const file = section.slice(0, section.indexOf("`"))
  if (!file.endsWith(".sse")) return []
  const field = (name: string, value: string) => new RegExp(`^  - ${name}: \`(${value})\``, "m").exec(section)?.[1]
  const tokens = /^  - usage\.output_tokens: (\d+)/m.exec(section)?.[1]
  return [{
    file,
    terminal: /no terminal event/.test(section)
      ? "none"
      : /terminal event `response\.failed`/.test(section)
      ? "failed"
      : "completed",
    items: JSON.parse(field("items", "[^`]*") ?? "[]") as ReadonlyArray<string>,
    outputText: JSON.parse(field("output_text", "\"(?:[^\"\\\\]|\\\\.)*\"") ?? "\"\"") as string,
    outputTokens: tokens === undefined ? undefined : Number(tokens)
  }]
})

const withEmulator = Effect.provide(layerClient({ config: { maxStreamRetries: 0 } }))

const replay = (file: string, chunkSize?: number) =>
  Effect.flatMap(
    CodexEmulator.CodexEmulator,
    (emulator) =>
      emulator.script(
        CodexEmulator.sse(
          [{ raw: NodeFs.readFileSync(NodePath.join(dir, file), "utf8") }],
          chunkSize === undefined ? {} : { chunkSize }
        )
      )
  )

describe("recorded streams (fixtures/real-streams)", () => {
  it("the manifest describes every recording", () => {
    const files = NodeFs.readdirSync(dir).filter((f) => f.endsWith(".sse")).sort()
    assert.deepStrictEqual(expected.map((e) => e.file).sort(), files)
    assert.strictEqual(files.length, 20)
  })

  for (const e of expected) {
    it.live(`${e.file}: ${e.terminal === "completed" ? `${e.items.join(", ") || "no items"}` : e.terminal === "none" ? "no terminal event: never a completed response" : "response.failed: a typed error"}`, () =>
      Effect.gen(function*() {
        const responses = yield* Responses.Responses
        for (const chunkSize of [undefined, 97]) {
          yield* replay(e.file, chunkSize)
          const result = yield* Effect.either(responses.create({ input: "replay" }))
          if (e.terminal === "completed") {
            assert.isTrue(result._tag === "Right", `${e.file}: ${result._tag === "Left" ? result.left.message : ""}`)
            if (result._tag === "Left") return
            const response = result.right
            assert.strictEqual(response.status, "completed")
            assert.deepStrictEqual(response.output.map((item) => item.type), [...e.items])
            assert.strictEqual(response.output_text, e.outputText)
            assert.strictEqual(response.usage?.output_tokens, e.outputTokens)
          } else {
            assert.isTrue(result._tag === "Left", `${e.file} must not give a response`)
            if (result._tag === "Right") return
            if (e.terminal === "none") assert.strictEqual(result.left._tag, "StreamInterrupted")
            else assert.include(["RateLimited", "ResponseFailed"], result.left._tag)
          }
        }
        // Streamed: the events the recording carries, the terminal one last.
        yield* replay(e.file)
        const events = Chunk.toArray(
          yield* Stream.runCollect(Stream.catchAll(responses.stream({ input: "replay" }), () => Stream.empty))
        )
        assert.isAbove(events.length, 0)
        if (e.terminal === "completed") assert.strictEqual(events[events.length - 1]?.type, "response.completed")
      }).pipe(withEmulator))
  }
})
