import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import type { Effect } from "effect"
import { Context, Duration, ManagedRuntime, Runtime } from "effect"
import * as NodeFs from "node:fs/promises"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { CodexClient } from "../src/index.js"
import OpenAI from "../src/OpenAI.js"

/** One emulator for the file; each test builds its own client from openai-node options. */
let managed: ManagedRuntime.ManagedRuntime<CodexEmulator.CodexEmulator, unknown>
let emulator: CodexEmulator.Service
let run: <A>(effect: Effect.Effect<A>) => Promise<A>
let home: string
let token: string
const saved: Record<string, string | undefined> = {}

beforeAll(async () => {
  for (const name of ["CODEX_BASE_URL", "CODEX_CHATGPT_BASE_URL", "CODEX_HOME", "OPENAI_API_KEY"]) {
    saved[name] = process.env[name]
    delete process.env[name]
  }
  managed = ManagedRuntime.make(CodexEmulator.layer())
  const runtime = await managed.runtime()
  emulator = Context.get(runtime.context, CodexEmulator.CodexEmulator)
  run = Runtime.runPromise(runtime)
  home = await NodeFs.mkdtemp(NodePath.join(NodeOs.tmpdir(), "codex-home-"))
  token = (await run(emulator.issuer.issue(3600))).accessToken
})

afterAll(async () => {
  await managed.dispose()
  await NodeFs.rm(home, { recursive: true, force: true })
  for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value
})

/** A client on the emulator from openai-node options only (no environment, no auth.json). */
const client = (options: ConstructorParameters<typeof OpenAI>[0] = {}) =>
  new OpenAI({ baseURL: emulator.config.codexBaseUrl, apiKey: token, codexHome: home, ...options })

const lastRequest = async () => {
  const requests = await run(emulator.requests)
  const last = requests[requests.length - 1]
  assert.isDefined(last)
  return last!
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(() => assert.fail("expected a rejection"), (error: unknown) => error)

const thrown = (f: () => unknown): unknown => {
  try {
    f()
  } catch (error) {
    return error
  }
  return assert.fail("expected a throw")
}

describe("OpenAI facade: openai-node's client options", () => {
  it("baseURL and apiKey are honoured with no environment: the token is the bearer, the account comes from it, auth.json is never written", async () => {
    await using openai = client()
    assert.strictEqual((await openai.responses.create({ input: "hi" })).output_text, "You said: hi")
    const request = await lastRequest()
    assert.strictEqual(request.path, "/backend-api/codex/responses")
    assert.strictEqual(request.headers["authorization"], `Bearer ${token}`)
    assert.strictEqual(request.headers["chatgpt-account-id"], "acct_emulated")
    assert.deepStrictEqual(await NodeFs.readdir(home), [])
  })

  it("accountId overrides the token's account; defaultHeaders go on every request", async () => {
    await using openai = client({ accountId: "acct_other", defaultHeaders: { "x-team": "blue" } })
    await openai.responses.create({ input: "hi" })
    const request = await lastRequest()
    assert.strictEqual(request.headers["chatgpt-account-id"], "acct_other")
    assert.strictEqual(request.headers["x-team"], "blue")
  })

  it("fetch is the transport; timeout and maxRetries are honoured", async () => {
    const urls: Array<string> = []
    await using openai = client({
      fetch: (input, init) => {
        urls.push(String(input instanceof Request ? input.url : input))
        return globalThis.fetch(input, init)
      }
    })
    await openai.responses.create({ input: "hi" })
    assert.deepStrictEqual(urls, [`${emulator.config.codexBaseUrl}/responses`])

    let calls = 0
    const hanging: typeof globalThis.fetch = (_input, init) => {
      calls++
      return new Promise((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)))
    }
    await using slow = client({ fetch: hanging, timeout: 50, maxRetries: 1, retryBaseDelay: Duration.millis(1) })
    const started = performance.now()
    const error = await rejection(slow.codex.usage())
    assert.instanceOf(error, OpenAI.APIConnectionTimeoutError)
    assert.strictEqual(calls, 2, "one try and one retry")
    assert.isBelow(performance.now() - started, 5_000)
  })

  it("logLevel and logger: the SDK's log lines go to the given logger", async () => {
    const lines: Array<string> = []
    const logger = {
      error: () => undefined,
      info: () => undefined,
      debug: () => undefined,
      warn: (line: string) => lines.push(line)
    }
    await using openai = client({ logLevel: "warn", logger, parameterPolicy: "lenient" })
    await openai.responses.create({ input: "hi", top_logprobs: 2 } as never)
    assert.isTrue(lines.some((line) => line.includes("top_logprobs")), lines.join("\n"))
  })

  it("wrong and unsupported options throw an OpenAIError naming the option at construction, never quoting apiKey", () => {
    const cases: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
      ["defaultQuery", { defaultQuery: { a: "1" } }],
      ["dangerouslyAllowBrowser", { dangerouslyAllowBrowser: true }],
      ["organization", { organization: "org-1" }],
      ["timeout", { timeout: -1 }],
      ["maxRetries", { maxRetries: 1.5 }],
      ["logLevel", { logLevel: "loud" }],
      ["logger", { logger: { warn: () => undefined } }],
      ["fetch", { fetch: "no" }],
      ["baseURL", { baseURL: 42 }],
      ["baseURL", { baseURL: "http://127.0.0.1:1/a", codexBaseUrl: "http://127.0.0.1:1/b" }],
      ["defaultHeaders", { defaultHeaders: { Authorization: "Bearer other" } }],
      ["defaultHeaders", { defaultHeaders: { "ChatGPT-Account-Id": "acct" } }],
      ["defaultHeaders", { defaultHeaders: { "x-a": "b\r\nx-injected: 1" } }],
      ["apiKey", { apiKey: "sk-secret-value", layer: CodexClient.layerTest({}) }]
    ]
    for (const [name, options] of cases) {
      const error = thrown(() => new OpenAI({ apiKey: "sk-secret-value", ...options }))
      assert.instanceOf(error, OpenAI.OpenAIError, name)
      assert.include((error as Error).message, `"${name}"`)
      assert.notInclude((error as Error).message, "sk-secret-value")
    }
  })
})

describe("OpenAI facade: openai-node's per-request options", () => {
  it("headers, query, idempotencyKey per request reject with InvalidParameter naming them, before anything is sent", async () => {
    await using openai = client()
    const before = (await run(emulator.requests)).length
    const collected = await rejection(openai.responses.create({ input: "hi" }, { headers: { "x-a": "b" } } as never))
    assert.instanceOf(collected, OpenAI.BadRequestError)
    assert.include((collected as Error).message, `"headers"`)
    const streamed = await rejection(
      openai.responses.create({ input: "hi", stream: true }, { query: { a: "1" } } as never)
    )
    assert.include((streamed as Error).message, `"query"`)
    const usage = await rejection(openai.codex.usage({ idempotencyKey: "k" } as never))
    assert.include((usage as Error).message, `"idempotencyKey"`)
    assert.strictEqual((await run(emulator.requests)).length, before)
  })
})

describe("OpenAI facade: tee, Page, session_id", () => {
  it("tee() splits a stream into two that each see every event, read in any order; the original is consumed", async () => {
    await run(emulator.script(CodexEmulator.text("teed answer")))
    await using openai = client()
    const stream = await openai.responses.create({ input: "x", stream: true })
    const [left, right] = stream.tee()
    assert.throws(() => stream[Symbol.asyncIterator](), /consumed/)
    const types = async (events: AsyncIterable<{ readonly type: string }>) => {
      const seen: Array<string> = []
      for await (const event of events) seen.push(event.type)
      return seen
    }
    const first = await types(left)
    const second = await types(right)
    assert.deepStrictEqual(second, first)
    assert.include(first, "response.completed")
    assert.include(first, "response.output_text.delta")
    assert.throws(() => left[Symbol.asyncIterator](), /consumed/)
  })

  it("tee(): breaking out of one branch leaves the other whole; the connection closes once both are done", async () => {
    await run(emulator.script(CodexEmulator.text("a longer teed answer to read")))
    await using openai = client()
    const [left, right] = (await openai.responses.create({ input: "x", stream: true })).tee()
    for await (const _ of left) break
    const types: Array<string> = []
    for await (const event of right) types.push(event.type)
    assert.strictEqual(types[types.length - 1], "response.completed")
  })

  it("tee(): aborting the original stream's controller ends both branches with APIUserAbortError", async () => {
    await run(emulator.script(CodexEmulator.sse(CodexEmulator.textEvents("stalls").slice(0, 4), { ending: "stall" })))
    await using openai = client()
    const stream = await openai.responses.create({ input: "x", stream: true })
    const [left, right] = stream.tee()
    const drain = async (events: AsyncIterable<unknown>) => {
      for await (const _ of events) { /* read to the end */ }
    }
    const ends = [rejection(drain(left)), rejection(drain(right))]
    setTimeout(() => stream.controller.abort(), 50)
    for (const error of await Promise.all(ends)) assert.instanceOf(error, OpenAI.APIUserAbortError)
  })

  it("a Page is iterable with for…of as with for await", async () => {
    await using openai = client()
    const page = await openai.models.list()
    const ids: Array<string> = []
    for (const model of page) ids.push(model.id)
    assert.isAbove(ids.length, 0)
    assert.deepStrictEqual(ids, page.data.map((model) => model.id))
  })

  it("realtime.websocketHeaders takes session_id beside sessionId", async () => {
    process.env["OPENAI_API_KEY"] = "sk-platform-key"
    try {
      await using openai = client()
      const headers = await openai.realtime.websocketHeaders({ session_id: "voice-2" })
      assert.strictEqual(headers["x-session-id"], "voice-2")
    } finally {
      delete process.env["OPENAI_API_KEY"]
    }
  })
})
