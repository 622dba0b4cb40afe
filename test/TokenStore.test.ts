import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as NodeFs from "node:fs/promises"
import * as NodePath from "node:path"
import { TokenStore } from "../src/index.js"
import { tempHome } from "./helpers.js"

const update = (access: string): TokenStore.TokenUpdate => ({
  accessToken: Redacted.make(access),
  refreshToken: Redacted.make(`rt-${access}`),
  lastRefresh: new Date("2026-08-20T09:15:02.123Z")
})

describe("TokenStore", () => {
  it.effect("file: a rewrite merges — unknown keys, agent_identity and the legacy API key survive", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempHome
      const file = NodePath.join(dir, "auth.json")
      const original = {
        OPENAI_API_KEY: null,
        openai_api_key: "sk-legacy",
        tokens: { id_token: "id-1", access_token: "at-1", refresh_token: "rt-1", account_id: "acct_1", extra: true },
        last_refresh: "2026-01-01T00:00:00+00:00",
        agent_identity: { agent_runtime_id: "r", agent_private_key: "k" },
        some_future_key: [1, 2, 3]
      }
      yield* Effect.promise(() => NodeFs.writeFile(file, JSON.stringify(original)))
      const store = TokenStore.makeFile(dir)
      const before = yield* store.load
      assert.strictEqual(before?.accountId, "acct_1")
      assert.strictEqual(before?.lastRefresh?.toISOString(), "2026-01-01T00:00:00.000Z", "+00:00 is accepted")
      assert.strictEqual(before?.apiKey === undefined ? undefined : Redacted.value(before.apiKey), "sk-legacy")

      yield* store.modify(() => Effect.succeed([undefined, update("at-2")] as const))
      const json = JSON.parse(yield* Effect.promise(() => NodeFs.readFile(file, "utf8")))
      assert.deepStrictEqual(json.agent_identity, original.agent_identity)
      assert.deepStrictEqual(json.some_future_key, [1, 2, 3])
      assert.strictEqual(json.openai_api_key, "sk-legacy")
      assert.deepStrictEqual(json.tokens, {
        id_token: "id-1",
        access_token: "at-2",
        refresh_token: "rt-at-2",
        account_id: "acct_1",
        extra: true
      })
      assert.strictEqual(json.last_refresh, "2026-08-20T09:15:02.123000Z")
      assert.strictEqual(json.auth_mode, "chatgpt")
      assert.strictEqual((yield* Effect.promise(() => NodeFs.stat(file))).mode & 0o777, 0o600)
    })))

  it.effect(
    "file: modify runs under the lock, one at a time, and leaves no lock or temp file behind",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const dir = yield* tempHome
        const store = TokenStore.makeFile(dir)
        let inside = 0
        let overlap = false
        yield* Effect.all(
          Array.from({ length: 20 }, (_, i) =>
            store.modify(() =>
              Effect.gen(function*() {
                if (++inside > 1) overlap = true
                yield* Effect.promise(() => new Promise((r) => setTimeout(r, 2)))
                inside--
                return [undefined, update(`at-${i}`)] as const
              })
            )),
          { concurrency: "unbounded" }
        )
        assert.isFalse(overlap)
        assert.deepStrictEqual(yield* Effect.promise(() => NodeFs.readdir(dir)), ["auth.json"])
      })),
    20_000
  )

  it.effect("file: a corrupt auth.json is a TokenStoreError naming the file, never its content", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempHome
      yield* Effect.promise(() =>
        NodeFs.writeFile(NodePath.join(dir, "auth.json"), "{\"tokens\": {\"access_token\": \"secret-at\"")
      )
      const error = yield* Effect.flip(TokenStore.makeFile(dir).load)
      assert.strictEqual(error._tag, "TokenStoreError")
      assert.include(error.message, "auth.json")
      assert.include(error.message, "not valid JSON")
      assert.notInclude(error.message, "secret-at")
    })))

  it.effect("memory: load, modify, clear", () =>
    Effect.gen(function*() {
      const store = yield* TokenStore.makeMemory()
      assert.isUndefined(yield* store.load)
      yield* store.modify(() =>
        Effect.succeed([undefined, { ...update("at-m"), idToken: Redacted.make("id-m"), accountId: "acct_m" }] as const)
      )
      const loaded = yield* store.load
      assert.strictEqual(Redacted.value(loaded?.accessToken ?? Redacted.make("")), "at-m")
      assert.strictEqual(loaded?.accountId, "acct_m")
      yield* store.clear
      assert.isUndefined(yield* store.load)
    }))
})
