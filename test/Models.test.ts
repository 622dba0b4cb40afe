import { assert, describe, it } from "@effect/vitest"
import { Context, Duration, Effect, Exit, Fiber, Layer, Scope, TestClock } from "effect"
import * as Net from "node:net"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { Models, Responses } from "../src/index.js"
import { layerClient, seed, tempHome } from "./helpers.js"

const withEmulator = Effect.provide(layerClient({ config: { retryBaseDelay: Duration.millis(1) } }))

const services = Effect.all({
  models: Models.Models,
  emulator: CodexEmulator.CodexEmulator,
  responses: Responses.Responses
})

const modelRequests = Effect.map(
  Effect.flatMap(CodexEmulator.CodexEmulator, (e) => e.requests),
  (requests) => requests.filter((r) => r.path.startsWith("/backend-api/codex/models"))
)

describe("Models against the emulator", () => {
  it.live("list: OpenAI-shaped models with the Codex fields, the query and headers the backend expects", () =>
    Effect.gen(function*() {
      const { models } = yield* services
      const { object, data } = yield* models.list()
      assert.strictEqual(object, "list")
      assert.deepStrictEqual(data.map((m) => m.id), ["gpt-5.5", "gpt-5.4", "gpt-5.4-mini"])
      const first = data[0]
      assert.isDefined(first)
      if (first === undefined) return
      assert.strictEqual(first.object, "model")
      assert.strictEqual(first.owned_by, "openai")
      assert.strictEqual(first.display_name, "GPT-5.5")
      assert.strictEqual(first.context_window, 272000)
      assert.deepStrictEqual(first.supported_reasoning_levels?.map((l) => l.effort), ["low", "medium", "high", "xhigh"])
      assert.deepStrictEqual(first.input_modalities, ["text", "image"])
      assert.strictEqual(first.supports_reasoning_summaries, true)
      assert.strictEqual(first.priority, 0)
      assert.deepStrictEqual(first.raw["truncation_policy"], { mode: "tokens", limit: 10000 })
      // a null on the wire is an absent field, not an error
      assert.isUndefined(data[2]?.default_verbosity)
      const [request] = yield* modelRequests
      assert.strictEqual(request?.method, "GET")
      assert.strictEqual(request?.path, "/backend-api/codex/models?client_version=0.169.0")
      assert.strictEqual(request?.headers["chatgpt-account-id"], "acct_emulated")
      assert.match(request?.headers["authorization"] ?? "", /^Bearer ey/)
      assert.strictEqual(request?.headers["originator"], "codex_cli_rs")
      assert.strictEqual(request?.headers["version"], "0.169.0")
    }).pipe(withEmulator))

  it.live("fields the backend adds later survive in raw; a field of an unexpected type is left out, not fatal", () =>
    Effect.gen(function*() {
      const { emulator, models } = yield* services
      yield* emulator.scriptRoute(
        "models",
        CodexEmulator.http(200, {
          models: [
            { slug: "gpt-6", context_window: "huge", new_field: { x: 1 } },
            { display_name: "no slug: skipped" }
          ]
        })
      )
      const { data } = yield* models.list()
      assert.strictEqual(data.length, 1)
      assert.strictEqual(data[0]?.id, "gpt-6")
      assert.isUndefined(data[0]?.context_window)
      assert.deepStrictEqual(data[0]?.raw["new_field"], { x: 1 })
      assert.strictEqual(data[0]?.raw["context_window"], "huge")
    }).pipe(withEmulator))

  it.live("retrieve: one model; an unknown id is NotFound naming the ids that exist", () =>
    Effect.gen(function*() {
      const { models } = yield* services
      const model = yield* models.retrieve("gpt-5.4-mini")
      assert.strictEqual(model.context_window, 128000)
      const error = yield* Effect.flip(models.retrieve("gpt-9"))
      assert.strictEqual(error._tag, "NotFound")
      assert.include(error.message, "gpt-9")
      assert.include(error.message, "gpt-5.5, gpt-5.4, gpt-5.4-mini")
      assert.strictEqual((yield* modelRequests).length, 1, "retrieve answers from the cached catalog")
    }).pipe(withEmulator))

  it.effect("cache: two list() within the TTL make one request; after the TTL, a refetch", () =>
    Effect.gen(function*() {
      const { models } = yield* services
      yield* models.list()
      yield* TestClock.adjust(Duration.seconds(299))
      yield* models.list()
      assert.strictEqual((yield* modelRequests).length, 1)
      yield* TestClock.adjust(Duration.seconds(2))
      yield* models.list()
      assert.strictEqual((yield* modelRequests).length, 2)
    }).pipe(withEmulator))

  it.effect("cache: the TTL is CodexConfig.modelsCacheTtl", () =>
    Effect.gen(function*() {
      const { models } = yield* services
      yield* models.list()
      yield* TestClock.adjust(Duration.seconds(11))
      yield* models.list()
      assert.strictEqual((yield* modelRequests).length, 2)
    }).pipe(Effect.provide(layerClient({ config: { modelsCacheTtl: Duration.seconds(10) } }))))

  it.live("a /responses reply with a new x-models-etag makes the next list() refetch; the same ETag does not", () =>
    Effect.gen(function*() {
      const { emulator, models, responses } = yield* services
      yield* models.list()
      yield* responses.create({ input: "hi" }) // same ETag as the catalog
      yield* models.list()
      assert.strictEqual((yield* modelRequests).length, 1)
      yield* emulator.setModels({ etag: "\"catalog-2\"", models: [{ slug: "gpt-5.6-sol", context_window: 400000 }] })
      yield* responses.create({ model: "gpt-5.6-sol", input: "hi" })
      const { data } = yield* models.list()
      assert.deepStrictEqual(data.map((m) => m.id), ["gpt-5.6-sol"])
      assert.strictEqual((yield* modelRequests).length, 2)
      yield* models.list()
      assert.strictEqual((yield* modelRequests).length, 2, "the refetched catalog is fresh again")
    }).pipe(withEmulator))

  it.effect("a matching x-models-etag renews the TTL", () =>
    Effect.gen(function*() {
      const { models, responses } = yield* services
      yield* models.list()
      yield* TestClock.adjust(Duration.seconds(200))
      yield* responses.create({ input: "hi" })
      yield* TestClock.adjust(Duration.seconds(200))
      yield* models.list()
      assert.strictEqual((yield* modelRequests).length, 1)
    }).pipe(withEmulator))

  it.effect("a failing refetch serves the stale catalog (and logs it); with no catalog at all, the error", () =>
    Effect.gen(function*() {
      const { emulator, models } = yield* services
      yield* emulator.scriptRoute("models", CodexEmulator.http(404, { detail: "Not Found" }))
      const first = yield* Effect.flip(models.list())
      assert.strictEqual(first._tag, "NotFound")
      const fresh = yield* models.list()
      yield* TestClock.adjust(Duration.seconds(301))
      yield* emulator.scriptRoute("models", CodexEmulator.http(403, { detail: "forbidden" }))
      const stale = yield* models.list()
      assert.deepStrictEqual(stale, fresh)
      assert.strictEqual((yield* modelRequests).length, 3)
    }).pipe(withEmulator))

  it.effect("20 concurrent first calls share one request", () =>
    Effect.gen(function*() {
      const { models } = yield* services
      const fiber = yield* Effect.fork(
        Effect.all(Array.from({ length: 20 }, () => models.list()), { concurrency: "unbounded" })
      )
      const lists = yield* Fiber.join(fiber)
      assert.strictEqual(lists.length, 20)
      assert.isTrue(lists.every((l) => l.data.length === 3))
      assert.strictEqual((yield* modelRequests).length, 1)
    }).pipe(withEmulator))

  it.live("a 401 refreshes the token once and the call succeeds", () =>
    Effect.scoped(Effect.flatMap(tempHome, (dir) =>
      Effect.gen(function*() {
        const { emulator, models } = yield* services
        yield* seed(yield* emulator.issuer.issue(3600))
        yield* emulator.scriptRoute(
          "models",
          CodexEmulator.http(401, { error: { code: "token_revoked", message: "revoked" } })
        )
        const { data } = yield* models.list()
        assert.strictEqual(data.length, 3)
        assert.strictEqual(yield* emulator.issuer.refreshRequests, 1)
        const [rejected, retried] = yield* modelRequests
        assert.notStrictEqual(rejected?.headers["authorization"], retried?.headers["authorization"])
      }).pipe(
        Effect.provide(layerClient({ codexHome: dir, config: { retryBaseDelay: Duration.millis(1) } }))
      ))))

  it.effect("layerTest: a left-out method dies naming it", () =>
    Effect.gen(function*() {
      const models = yield* Models.Models
      const list = yield* models.list()
      assert.strictEqual(list.data.length, 0)
      const exit = yield* Effect.exit(models.retrieve("x"))
      assert.isTrue(exit._tag === "Failure" && String(exit.cause).includes("Models.retrieve is not implemented"))
    }).pipe(Effect.provide(Models.layerTest({ list: () => Effect.succeed({ object: "list", data: [] }) }))))
  it.live("closing the layer while a fetch is in flight releases its waiters instead of leaving them hanging", () =>
    Effect.gen(function*() {
      const silent = Net.createServer(() => undefined)
      yield* Effect.promise(() => new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve)))
      const address = silent.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(
        layerClient({ config: { codexBaseUrl: `http://127.0.0.1:${port}/backend-api/codex` } }),
        scope
      )
      const models = Context.get(context, Models.Models)
      const waiter = yield* Effect.fork(models.list())
      yield* Effect.sleep(Duration.millis(50))
      yield* Scope.close(scope, Exit.void)
      const exit = yield* Fiber.await(waiter).pipe(Effect.timeout(Duration.seconds(2)))
      assert.isTrue(Exit.isFailure(exit), "the waiter ended")
      silent.close()
    }))
})
