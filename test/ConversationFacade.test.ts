import { assert, describe, it } from "@effect/vitest"
import { Context, Duration, Layer, ManagedRuntime } from "effect"
import * as CodexEmulator from "../src/CodexEmulator.js"
import OpenAI from "../src/OpenAI.js"
import type { ResponseStreamEvent } from "../src/ResponseStreamEvent.js"
import { layerClient } from "./helpers.js"

/** `client.conversations` of the Promise facade, against the emulator. */
describe("OpenAI facade: conversations", () => {
  it("create, send, stream (async iterable), retrieve, fork, compact, as Promises", async () => {
    const managed = ManagedRuntime.make(layerClient({ config: { retryBaseDelay: Duration.millis(1) } }))
    const runtime = await managed.runtime()
    const emulator = Context.get(runtime.context, CodexEmulator.CodexEmulator)
    const client = new OpenAI({ layer: Layer.succeedContext(runtime.context) })
    try {
      const chat = await client.conversations.create({ id: "facade-conv", instructions: "Be brief." })
      assert.strictEqual((await chat.send("one")).output_text, "You said: one")
      const events: Array<ResponseStreamEvent> = []
      for await (const event of await chat.stream("two")) events.push(event)
      assert.strictEqual(events.at(-1)?.type, "response.completed")
      const same = await client.conversations.retrieve("facade-conv")
      assert.strictEqual((await same.history()).length, 4)
      const branch = await chat.fork("facade-branch")
      await branch.send("three")
      assert.strictEqual((await chat.history()).length, 4)
      assert.strictEqual((await branch.history()).length, 6)
      const compaction = await chat.compact()
      assert.strictEqual(compaction.via, "remote")
      assert.isDefined(await chat.usage())
      const requests = await managed.runPromise(emulator.requests)
      const keys = requests.filter((r) => r.path.endsWith("/responses")).map((r) =>
        (r.body as { prompt_cache_key?: string }).prompt_cache_key
      )
      assert.deepStrictEqual([...new Set(keys)].sort(), ["facade-branch", "facade-conv"])
      const missing = await client.conversations.retrieve("nobody").then(() => undefined, (error: unknown) => error)
      assert.instanceOf(missing, OpenAI.NotFoundError)
    } finally {
      await client.close()
      await managed.dispose()
    }
  })
})
