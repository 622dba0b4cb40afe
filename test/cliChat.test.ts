import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as NodeChild from "node:child_process"
import * as NodeFs from "node:fs/promises"
import * as NodePath from "node:path"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { CodexConfig, TokenStore } from "../src/index.js"
import { seed, tempHome } from "./helpers.js"

const main = NodePath.join(import.meta.dirname, "..", "src", "cli", "main.ts")

/** Runs the command from the sources with `stdin` as its input. */
const cli = (args: ReadonlyArray<string>, env: Record<string, string>, stdin = "") =>
  Effect.async<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }>((resume) => {
    const child = NodeChild.spawn(process.execPath, ["--import", "tsx", main, ...args], {
      env: { ...process.env, NO_COLOR: "1", ...env },
      stdio: ["pipe", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += d))
    child.stderr.on("data", (d) => (stderr += d))
    child.on("exit", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    child.stdin.end(stdin)
    return Effect.sync(() => child.kill())
  })

describe("codex-backend chat and ask --continue", () => {
  it.live(
    "chat streams answers, /compact compacts, the id resumes with chat --resume and ask --continue",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const dir = yield* tempHome
        const emulator = yield* CodexEmulator.make({})
        yield* Effect.flatMap(emulator.issuer.issue(3600), seed).pipe(
          Effect.provide(TokenStore.layerFile().pipe(Layer.provide(CodexConfig.layer({ codexHome: dir }))))
        )
        const env = {
          CODEX_HOME: dir,
          CODEX_AUTH_ISSUER: emulator.url,
          CODEX_BASE_URL: emulator.config.codexBaseUrl ?? "",
          CODEX_CHATGPT_BASE_URL: emulator.config.chatgptBaseUrl ?? ""
        }
        const chat = yield* cli(
          ["chat", "--instructions", "Be brief."],
          env,
          "hello\nagain\n/compact\n/exit\nnever sent\n"
        )
        assert.strictEqual(chat.code, 0, chat.stderr)
        const id = /^conversation (\S+) /m.exec(chat.stdout)?.[1] ?? ""
        assert.match(id, /^[0-9a-f-]{36}$/)
        assert.include(chat.stdout, "You said: hello\n")
        assert.include(chat.stdout, "You said: again\n")
        assert.match(chat.stdout, /compacted: 4 items .* → 3 /)
        assert.include(chat.stdout, `chat --resume ${id}`)
        assert.notInclude(chat.stdout, "never sent")
        const asked = yield* cli(["ask", "--continue", id, "third"], env)
        assert.strictEqual(asked.code, 0, asked.stderr)
        assert.strictEqual(asked.stdout, "You said: third\n")
        const resumed = yield* cli(["chat", "--resume", id], env, "fourth\n")
        assert.strictEqual(resumed.code, 0, resumed.stderr)
        assert.include(resumed.stdout, "You said: fourth")
        const sent = (yield* emulator.requests).filter((r) => r.path.endsWith("/responses")).map((r) =>
          r.body as Record<string, unknown>
        )
        const last = sent.at(-1) as { input: Array<{ type: string }>; prompt_cache_key: string; instructions: string }
        assert.strictEqual(last.prompt_cache_key, id)
        assert.strictEqual(last.instructions, "Be brief.", "the stored settings apply")
        assert.deepStrictEqual(last.input.map((item) => item.type), [
          "message",
          "message",
          "compaction",
          "message",
          "message",
          "message"
        ])
        assert.include(yield* Effect.promise(() => NodeFs.readdir(NodePath.join(dir, "conversations"))), `${id}.jsonl`)
        const unknown = yield* cli(["ask", "--continue", "nobody", "hi"], env)
        assert.strictEqual(unknown.code, 1)
        assert.match(unknown.stderr, /^codex-backend: .*conversation nobody/)
      })),
    120_000
  )
})
