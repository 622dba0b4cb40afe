import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import OpenAINode from "openai"
import * as CodexEmulator from "../src/CodexEmulator.js"

/** openai-node 7, a client nobody here wrote, pointed at the emulator's codex URL. */
const withClient = (use: (client: OpenAINode) => Promise<void>) =>
  Effect.scoped(Effect.gen(function*() {
    const emulator = yield* CodexEmulator.make()
    const client = new OpenAINode({
      baseURL: emulator.config.codexBaseUrl,
      apiKey: CodexEmulator.fakeJwt({
        exp: 4102444800,
        "https://api.openai.com/auth": { chatgpt_account_id: "acct_emulated" }
      }),
      defaultHeaders: { "chatgpt-account-id": "acct_emulated" },
      maxRetries: 0
    })
    yield* Effect.promise(() => use(client))
  }))

describe("openai-node against the emulator", () => {
  it.live("store: false, streaming, no instructions: a completed stream whose response.completed has output: []", () =>
    withClient(async (client) => {
      const stream = await client.responses.create({
        model: "gpt-5.5",
        input: [{ role: "user", content: "Say PONG." }],
        store: false,
        stream: true
      })
      const types: Array<string> = []
      let text = ""
      let completed: { output: Array<unknown>; status?: string | null; model: string } | undefined
      for await (const event of stream) {
        types.push(event.type)
        if (event.type === "response.output_text.delta") text += event.delta
        if (event.type === "response.completed") completed = event.response
      }
      assert.strictEqual(types[0], "response.created")
      assert.strictEqual(types[types.length - 1], "response.completed")
      assert.strictEqual(text, "You said: Say PONG.")
      assert.deepStrictEqual(completed?.output, [], "as the backend sends it")
      assert.strictEqual(completed?.status, "completed")
      assert.strictEqual(completed?.model, "gpt-5.5")
    }))

  it.live("a string input gets the backend's 400 as openai-node's BadRequestError", () =>
    withClient(async (client) => {
      const error = await client.responses.create({ model: "gpt-5.4", input: "hi", store: false, stream: true }).then(
        () => undefined,
        (e: unknown) => e
      )
      assert.instanceOf(error, OpenAINode.BadRequestError)
      assert.include(String((error as Error).message), "Input must be a list")
    }))
})
