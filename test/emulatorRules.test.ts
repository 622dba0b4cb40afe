import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Logger } from "effect"
import * as NodeNet from "node:net"
import * as Zlib from "node:zlib"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { Models } from "../src/index.js"
import { parseScript } from "../src/internal/emulator/scriptFile.js"
import { layerClient } from "./helpers.js"

/** The emulator's backend rules and the facts of today's backend, seen as any HTTP client sees them. */

const token = CodexEmulator.fakeJwt({
  exp: 4102444800,
  "https://api.openai.com/auth": { chatgpt_account_id: "acct_emulated", chatgpt_plan_type: "plus" }
})
const auth = { authorization: `Bearer ${token}`, "chatgpt-account-id": "acct_emulated" }

const emulated = <A, E>(
  use: (emulator: CodexEmulator.Service) => Effect.Effect<A, E>,
  options: CodexEmulator.Options = {}
) => Effect.scoped(Effect.flatMap(CodexEmulator.make(options), use))

const post = (url: string, body: string | Buffer, headers: Record<string, string> = {}) =>
  Effect.promise(async () => {
    const response = await fetch(url, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json", ...headers },
      body
    })
    return { status: response.status, headers: response.headers, text: await response.text() }
  })

const get = (url: string) =>
  Effect.promise(async () => {
    const response = await fetch(url, { headers: auth })
    return { status: response.status, text: await response.text() }
  })

/** A body as the official CLI 0.169.0 sends it: no `instructions`, the base prompt as a developer message. */
const cliBody = (extra: Record<string, unknown> = {}) => ({
  model: "gpt-5.4",
  input: [
    { type: "message", role: "developer", content: [{ type: "input_text", text: "You are Codex." }] },
    { type: "message", role: "user", content: [{ type: "input_text", text: "hello" }] }
  ],
  tools: [],
  tool_choice: "auto",
  parallel_tool_calls: false,
  store: false,
  stream: true,
  include: [],
  ...extra
})

/** The `data` objects of an SSE body. */
const events = (text: string): Array<Record<string, unknown>> =>
  text.split("\n").filter((line) => line.startsWith("data: ")).map((line) =>
    JSON.parse(line.slice(6)) as Record<string, unknown>
  )

const handshake = (port: string) =>
  `GET /backend-api/codex/responses HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
  "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"

/** Sends a raw WebSocket handshake; `reset` destroys the socket at once, else the status line is read. */
const upgrade = (url: string, reset: boolean) =>
  Effect.promise(() =>
    new Promise<string>((resolve) => {
      const socket = NodeNet.connect(Number(new URL(url).port), "127.0.0.1", () => {
        socket.write(handshake(new URL(url).port))
        if (reset) {
          socket.resetAndDestroy()
          resolve("")
        }
      })
      socket.once("data", (chunk) => {
        resolve(chunk.toString("latin1").split("\r\n")[0] ?? "")
        socket.destroy()
      })
      socket.on("error", () => resolve(""))
    })
  )

const completed = (text: string) =>
  events(text).find((e) => e["type"] === "response.completed")?.["response"] as Record<string, unknown>

describe("the emulator's backend rules", () => {
  it.live("a missing instructions is accepted; openai-model echoes the served model; ids are fresh, created_at real", () =>
    emulated((emulator) =>
      Effect.gen(function*() {
        const url = `${emulator.config.codexBaseUrl}/responses`
        const first = yield* post(url, JSON.stringify(cliBody({ model: "gpt-5.5" })))
        assert.strictEqual(first.status, 200, first.text)
        assert.strictEqual(first.headers.get("openai-model"), "gpt-5.5")
        const second = yield* post(url, JSON.stringify(cliBody()))
        assert.strictEqual(second.headers.get("openai-model"), "gpt-5.4")
        const [a, b] = [completed(first.text), completed(second.text)]
        assert.notStrictEqual(a?.["id"], b?.["id"])
        assert.match(String(a?.["id"]), /^resp_/)
        assert.isAtMost(Math.abs(Number(a?.["created_at"]) - Date.now() / 1000), 60)
        const messageIds = [first.text, second.text].map((text) =>
          (events(text).find((e) => e["type"] === "response.output_item.done")?.["item"] as Record<string, unknown>)[
            "id"
          ]
        )
        assert.notStrictEqual(messageIds[0], messageIds[1])
      })
    ))

  it.live("a string input, an unknown model and a trigger that is not last get the backend's 400 bodies", () =>
    emulated((emulator) =>
      Effect.gen(function*() {
        const url = `${emulator.config.codexBaseUrl}/responses`
        const stringInput = yield* post(url, JSON.stringify(cliBody({ input: "hello" })))
        assert.deepStrictEqual([stringInput.status, JSON.parse(stringInput.text)], [400, {
          detail: "Input must be a list"
        }])
        const unknown = yield* post(url, JSON.stringify(cliBody({ model: "gpt-4o" })))
        assert.deepStrictEqual([unknown.status, JSON.parse(unknown.text)], [400, {
          detail: "The 'gpt-4o' model is not supported when using Codex with a ChatGPT account."
        }])
        const trigger = yield* post(
          url,
          JSON.stringify(cliBody({ input: [{ type: "compaction_trigger" }, ...cliBody().input] }))
        )
        assert.deepStrictEqual([trigger.status, JSON.parse(trigger.text)], [400, {
          detail: "The 'compaction_trigger' item must be the final input item."
        }])
        const legacy = yield* post(
          `${emulator.config.codexBaseUrl}/responses/compact`,
          JSON.stringify({ model: "gpt-5.4", input: [] })
        )
        assert.strictEqual(legacy.status, 404, "the retired route")
        assert.include(JSON.parse(legacy.text).detail, "compaction_trigger")
      })
    ))

  it.live("gzip, deflate and br bodies are decoded; zstd is decoded where Node has it, else a clear 415", () =>
    emulated((emulator) =>
      Effect.gen(function*() {
        const url = `${emulator.config.codexBaseUrl}/responses`
        const json = Buffer.from(JSON.stringify(cliBody()))
        const codings: Array<[string, Buffer]> = [
          ["gzip", Zlib.gzipSync(json)],
          ["deflate", Zlib.deflateSync(json)],
          ["br", Zlib.brotliCompressSync(json)]
        ]
        for (const [coding, body] of codings) {
          const reply = yield* post(url, body, { "content-encoding": coding })
          assert.strictEqual(reply.status, 200, `${coding}: ${reply.text}`)
          assert.strictEqual(completed(reply.text)?.["status"], "completed")
        }
        const zstd = (Zlib as { zstdCompressSync?: (b: Buffer) => Buffer }).zstdCompressSync
        const reply = yield* post(url, zstd === undefined ? json : zstd(json), { "content-encoding": "zstd" })
        if (zstd === undefined) {
          assert.strictEqual(reply.status, 415)
          assert.include(JSON.parse(reply.text).detail, "zstd")
        } else assert.strictEqual(reply.status, 200)
      })
    ))

  it.live("every 404 is JSON naming the route; the CLI's routes answer; a WebSocket handshake without credentials gets 401", () =>
    emulated((emulator) =>
      Effect.gen(function*() {
        const missing = yield* get(`${emulator.url}/backend-api/nowhere?x=1`)
        assert.deepStrictEqual([missing.status, JSON.parse(missing.text)], [404, {
          detail: "Not Found: GET /backend-api/nowhere is not a route of the emulator"
        }])
        for (
          const path of [
            "wham/accounts/check",
            "wham/settings/user",
            "ps/plugins/installed",
            "ps/plugins/suggested/codex"
          ]
        ) {
          const reply = yield* get(`${emulator.config.chatgptBaseUrl}/${path}`)
          assert.strictEqual(reply.status, 200, path)
        }
        const mcp = yield* post(
          `${emulator.config.chatgptBaseUrl}/ps/mcp`,
          JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" })
        )
        assert.deepStrictEqual(JSON.parse(mcp.text), { jsonrpc: "2.0", id: 1, result: { tools: [] } })
        const analytics = yield* post(
          `${emulator.config.codexBaseUrl}/analytics-events/events`,
          JSON.stringify({ events: [] })
        )
        assert.strictEqual(analytics.status, 202)
        assert.match(yield* upgrade(emulator.url, false), /^HTTP\/1\.1 401 /)
      })
    ))

  it.live("a client that resets its socket after an upgrade leaves the emulator serving", () =>
    emulated((emulator) =>
      Effect.gen(function*() {
        for (let i = 0; i < 3; i++) yield* upgrade(emulator.url, true)
        yield* Effect.sleep("50 millis")
        const after = yield* post(`${emulator.config.codexBaseUrl}/responses`, JSON.stringify(cliBody()))
        assert.strictEqual(after.status, 200)
      })
    ))

  it.live("/models honours minimal_client_version and every model carries the fields the Codex CLI requires", () =>
    emulated((emulator) =>
      Effect.gen(function*() {
        const slugs = (text: string) =>
          (JSON.parse(text).models as Array<Record<string, unknown>>).map((m) => m["slug"])
        const current = yield* get(`${emulator.config.codexBaseUrl}/models?client_version=0.169.0`)
        assert.deepStrictEqual(slugs(current.text), ["gpt-5.5", "gpt-5.4", "gpt-5.4-mini"])
        const newer = yield* get(`${emulator.config.codexBaseUrl}/models?client_version=0.175.0`)
        assert.include(slugs(newer.text), "gpt-5.6-sol")
        const old = yield* get(`${emulator.config.codexBaseUrl}/models?client_version=0.100.0`)
        assert.notInclude(slugs(old.text), "gpt-5.5")
        const required = [
          "slug",
          "display_name",
          "description",
          "supported_reasoning_levels",
          "shell_type",
          "visibility",
          "supported_in_api",
          "priority",
          "upgrade",
          "base_instructions",
          "supports_reasoning_summaries",
          "support_verbosity",
          "default_verbosity",
          "apply_patch_tool_type",
          "truncation_policy",
          "supports_parallel_tool_calls",
          "experimental_supported_tools",
          "context_window",
          "auto_compact_token_limit"
        ]
        for (const model of JSON.parse(newer.text).models as Array<Record<string, unknown>>) {
          for (const field of required) assert.isTrue(field in model, `${String(model["slug"])} lacks ${field}`)
          assert.isBelow(Number(model["auto_compact_token_limit"]), Number(model["context_window"]))
        }
      })
    ))

  it.live("answers make sense to agents: text unless a tool is asked for, arguments that fit the schema, reasoning tokens for an effort", () =>
    emulated((emulator) =>
      Effect.gen(function*() {
        const url = `${emulator.config.codexBaseUrl}/responses`
        const tools = [{
          type: "function",
          name: "exec_command",
          parameters: {
            type: "object",
            properties: {
              cmd: { type: "string" },
              yield_time_ms: { type: "number" },
              max_output_tokens: { type: "integer" },
              mode: { type: "string", enum: ["pty", "pipe"] },
              workdir: { type: "string" }
            },
            required: ["cmd", "yield_time_ms", "max_output_tokens", "mode"]
          }
        }]
        const plain = yield* post(url, JSON.stringify(cliBody({ tools, reasoning: { effort: "high" } })))
        const items = events(plain.text).filter((e) => e["type"] === "response.output_item.done").map((e) =>
          e["item"] as Record<string, unknown>
        )
        assert.deepStrictEqual(items.map((i) => i["type"]), ["message"], "no tool call unless asked")
        const usage = completed(plain.text)?.["usage"] as { output_tokens_details: { reasoning_tokens: number } }
        assert.isAbove(usage.output_tokens_details.reasoning_tokens, 0, "an effort alone spends reasoning tokens")
        const asked = cliBody({
          tools,
          input: [{
            type: "message",
            role: "user",
            content: [{ type: "input_text", text: "call tool exec_command with {\"cmd\":\"ls\"}" }]
          }]
        })
        const called = yield* post(url, JSON.stringify(asked))
        const call = events(called.text).find((e) => e["type"] === "response.output_item.done")?.["item"] as Record<
          string,
          unknown
        >
        assert.strictEqual(call["name"], "exec_command")
        const args = JSON.parse(String(call["arguments"]))
        assert.strictEqual(args.cmd, "ls")
        assert.isTrue(
          Number.isInteger(args.yield_time_ms) && Number.isInteger(args.max_output_tokens),
          JSON.stringify(args)
        )
        assert.strictEqual(args.mode, "pty")
        assert.notProperty(args, "workdir", "optional properties are left out")
      })
    ))

  it.live("a refresh with a scope field is accepted; a streamed transcription streams", () =>
    emulated((emulator) =>
      Effect.gen(function*() {
        const tokens = yield* emulator.issuer.issue()
        const refresh = yield* post(
          `${emulator.url}/oauth/token`,
          JSON.stringify({
            client_id: "app_EMoamEEZ73f0CkXaXp7hrann",
            grant_type: "refresh_token",
            refresh_token: tokens.refreshToken,
            scope: "openid profile email"
          })
        )
        assert.strictEqual(refresh.status, 200, refresh.text)
        const form = new FormData()
        form.set("file", new Blob([new Uint8Array(100)], { type: "audio/wav" }), "a.wav")
        form.set("model", "gpt-4o-transcribe")
        form.set("stream", "true")
        const streamed = yield* Effect.promise(async () => {
          const response = await fetch(`${emulator.config.openaiBaseUrl}/audio/transcriptions`, {
            method: "POST",
            headers: { authorization: `Bearer ${token}` },
            body: form
          })
          return { type: response.headers.get("content-type"), text: await response.text() }
        })
        assert.include(streamed.type ?? "", "text/event-stream")
        const types = events(streamed.text).map((e) => e["type"])
        assert.strictEqual(types[types.length - 1], "transcript.text.done")
        assert.include(types, "transcript.text.delta")
      }), { deviceInterval: 0 }))

  it.live("--log gets one entry per request with its status; --script files parse into replies or name the bad line", () =>
    Effect.gen(function*() {
      const entries: Array<CodexEmulator.LogEntry> = []
      yield* emulated((emulator) =>
        Effect.gen(function*() {
          yield* post(`${emulator.config.codexBaseUrl}/responses`, JSON.stringify(cliBody()))
          yield* get(`${emulator.url}/nowhere`)
        }), { onRequest: (entry) => entries.push(entry) })
      assert.deepStrictEqual(entries.map((e) => [e.method, e.path, e.status]), [
        ["POST", "/backend-api/codex/responses", 200],
        ["GET", "/nowhere", 404]
      ])
      const replies = parseScript(
        [
          "{\"text\": \"hi\"}",
          "",
          "{\"function_call\": {\"name\": \"exec_command\", \"arguments\": {\"cmd\": \"ls\"}}}",
          "{\"usage_limit\": {\"plan_type\": \"plus\", \"resets_in_seconds\": 3600}}",
          "{\"http\": {\"status\": 500, \"body\": {\"detail\": \"boom\"}}}"
        ].join("\n"),
        0
      )
      assert.isArray(replies)
      if (typeof replies === "string") return
      assert.deepStrictEqual(replies.map((r) => r._tag === "Http" ? r.status : r._tag), ["Sse", "Sse", 429, 500])
      assert.include(String(parseScript("{\"text\": \"a\"}\n{\"nope\": 1}", 0)), "line 2")
    }))
})

describe("Models warns about models for newer clients", () => {
  it.live("one warning naming clientVersion, however often the catalog is fetched", () =>
    Effect.gen(function*() {
      const warnings: Array<string> = []
      const logger = Logger.make(({ logLevel, message }) => {
        if (logLevel._tag === "Warning") warnings.push(String(message))
      })
      yield* Effect.gen(function*() {
        const emulator = yield* CodexEmulator.CodexEmulator
        const models = yield* Models.Models
        const raw = (version: string) => ({ slug: `m-${version}`, minimal_client_version: version })
        const catalog = CodexEmulator.http(200, { models: [raw("0.100.0"), raw("0.180.0")] })
        yield* emulator.scriptRoute("models", catalog, catalog)
        yield* models.list()
        yield* emulator.setModels({ etag: "\"2\"" })
        yield* Effect.flatMap(Effect.sleep("1 millis"), () => models.list())
      }).pipe(
        Effect.provide(layerClient({ config: { modelsCacheTtl: Duration.millis(0) } })),
        Effect.provide(Logger.replace(Logger.defaultLogger, logger))
      )
      assert.lengthOf(warnings.filter((w) => w.includes("m-0.180.0")), 1)
      assert.include(warnings[0] ?? "", "clientVersion")
    }))
})
