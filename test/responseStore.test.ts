import { assert, describe, it } from "@effect/vitest"
import { Context, Duration, Layer, ManagedRuntime } from "effect"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import * as CodexEmulator from "../src/CodexEmulator.js"
import OpenAI from "../src/OpenAI.js"
import type { CreateParams, InputItem } from "../src/Responses.js"
import { layerClient } from "./helpers.js"

/** openai-node's parameter, which the SDK's own types leave out (the backend refuses it). */
const after = <P extends CreateParams>(id: string, params: P): P => ({ ...params, previous_response_id: id })

/** A client over one emulator, and the bodies of the `/responses` requests it received. */
const withClient = async (
  options: { readonly responseStore?: string },
  body: (client: OpenAI, bodies: () => Promise<ReadonlyArray<Record<string, unknown>>>) => Promise<void>
) => {
  const managed = ManagedRuntime.make(layerClient({ config: { retryBaseDelay: Duration.millis(1) } }))
  const runtime = await managed.runtime()
  const emulator = Context.get(runtime.context, CodexEmulator.CodexEmulator)
  const client = new OpenAI({ layer: Layer.succeedContext(runtime.context), ...options })
  try {
    await body(
      client,
      async () =>
        (await managed.runPromise(emulator.requests)).filter((r) => r.path.endsWith("/responses")).map((r) =>
          r.body as Record<string, unknown>
        )
    )
  } finally {
    await client.close()
    await managed.dispose()
  }
}

const user = (text: string): InputItem => ({ type: "message", role: "user", content: [{ type: "input_text", text }] })

describe("OpenAI facade: responseStore makes previous_response_id work", () => {
  it("a request with previous_response_id sends exactly the body of the explicit history", () =>
    withClient({ responseStore: "memory" }, async (client, bodies) => {
      const first = await client.responses.create({ model: "gpt-5.4", instructions: "Be brief.", input: "one" })
      const second = await client.responses.create(
        after(first.id, { model: "gpt-5.4", instructions: "Be brief.", input: "two" })
      )
      assert.strictEqual(second.output_text, "You said: two")
      // The same turn written by hand: the history, the previous answer, the new message.
      const replay = first.output.map(({ id: _id, ...item }) => item) as ReadonlyArray<InputItem>
      await client.responses.create({
        model: "gpt-5.4",
        instructions: "Be brief.",
        input: [user("one"), ...replay, user("two")]
      })
      const [, viaStore, explicit] = await bodies()
      assert.isUndefined(viaStore?.["previous_response_id"], "never sent: the backend refuses it")
      assert.deepStrictEqual(viaStore, explicit)
      // A chain: a streamed turn is stored too, once it completed.
      const streamed = await client.responses.create(
        after(second.id, { model: "gpt-5.4", instructions: "Be brief.", input: "three", stream: true as const })
      )
      let completedId = ""
      for await (const event of streamed) {
        if (event.type === "response.completed") completedId = (event as { response: { id: string } }).response.id
      }
      const fourth = await client.responses.create(
        after(completedId, { model: "gpt-5.4", instructions: "Be brief.", input: "four" })
      )
      assert.strictEqual(fourth.output_text, "You said: four")
      const last = (await bodies()).at(-1)
      assert.lengthOf(
        last?.["input"] as ReadonlyArray<unknown>,
        7,
        "four user messages and the three answers between them"
      )
    }))

  it("an unknown previous_response_id is NotFound; without a store it stays UnsupportedParameter; nothing is sent", () =>
    withClient({ responseStore: "memory" }, async (client, bodies) => {
      const unknown = await client.responses.create(after("resp_nobody", { input: "x" })).then(
        () => undefined,
        (e: unknown) => e
      )
      assert.instanceOf(unknown, OpenAI.NotFoundError)
      assert.lengthOf(await bodies(), 0)
    }).then(() =>
      withClient({}, async (client, bodies) => {
        const refused = await client.responses.create(after("resp_1", { input: "x" })).then(
          () => undefined,
          (e: unknown) => e
        )
        assert.strictEqual((refused as { _tag?: string })._tag, "UnsupportedParameter")
        assert.lengthOf(await bodies(), 0)
      })
    ))

  it("a directory store survives the client: a new client continues from a response id", async () => {
    const directory = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "codex-responses-"))
    try {
      let id = ""
      await withClient({ responseStore: directory }, async (client) => {
        id = (await client.responses.create({ input: "remember me" })).id
      })
      assert.strictEqual(NodeFs.statSync(NodePath.join(directory, `${id}.json`)).mode & 0o777, 0o600)
      await withClient({ responseStore: directory }, async (client, bodies) => {
        await client.responses.create(after(id, { input: "and now?" }))
        const input = (await bodies())[0]?.["input"] as ReadonlyArray<unknown>
        assert.lengthOf(input, 3)
        assert.deepStrictEqual(input[0], user("remember me"))
      })
    } finally {
      NodeFs.rmSync(directory, { recursive: true, force: true })
    }
  })
})
