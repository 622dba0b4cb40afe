import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { Embeddings } from "../src/index.js"
import { layerClient, seed, tempHome } from "./helpers.js"

const withEmulator = Effect.provide(layerClient({ config: { retryBaseDelay: Duration.millis(1) } }))

const services = Effect.all({ embeddings: Embeddings.Embeddings, emulator: CodexEmulator.CodexEmulator })

const requests = Effect.flatMap(CodexEmulator.CodexEmulator, (e) => e.requests)

const norm = (v: ReadonlyArray<number>) => Math.sqrt(v.reduce((n, x) => n + x * x, 0))

describe("Embeddings against the emulator", () => {
  it.live("create: vectors of the requested dimensions, fetched as base64 and decoded; only the bearer on api.openai.com", () =>
    Effect.gen(function*() {
      const { embeddings } = yield* services
      const result = yield* embeddings.create({
        model: "text-embedding-3-small",
        input: ["one", "two"],
        dimensions: 256
      })
      assert.strictEqual(result.object, "list")
      assert.strictEqual(result.model, "text-embedding-3-small")
      assert.deepStrictEqual(result.data.map((d) => [d.object, d.index, d.embedding.length]), [["embedding", 0, 256], [
        "embedding",
        1,
        256
      ]])
      assert.closeTo(norm(result.data[0]?.embedding ?? []), 1, 1e-4)
      assert.isTrue(result.data[0]?.embedding.every((x) => typeof x === "number" && Number.isFinite(x)))
      assert.deepStrictEqual(result.usage, { prompt_tokens: 2, total_tokens: 2 })
      const [request] = yield* requests
      assert.strictEqual(request?.path, "/v1/embeddings")
      assert.deepStrictEqual(request?.body, {
        model: "text-embedding-3-small",
        input: ["one", "two"],
        dimensions: 256,
        encoding_format: "base64"
      })
      assert.match(request?.headers["authorization"] ?? "", /^Bearer ey/)
      for (const header of ["chatgpt-account-id", "originator", "version", "x-openai-fedramp", "session_id"]) {
        assert.isUndefined(request?.headers[header], `${header} must not go to api.openai.com`)
      }
    }).pipe(withEmulator))

  it.live("float and base64 formats: the same vector, as numbers or as the wire's string", () =>
    Effect.gen(function*() {
      const { embeddings } = yield* services
      const floats = yield* embeddings.create({
        model: "text-embedding-3-small",
        input: "same",
        dimensions: 8,
        encoding_format: "float"
      })
      const decoded = yield* embeddings.create({ model: "text-embedding-3-small", input: "same", dimensions: 8 })
      const base64 = yield* embeddings.create({
        model: "text-embedding-3-small",
        input: "same",
        dimensions: 8,
        encoding_format: "base64"
      })
      assert.deepStrictEqual(decoded.data[0]?.embedding, floats.data[0]?.embedding)
      const text: string = base64.data[0]?.embedding ?? ""
      assert.strictEqual(Buffer.from(text, "base64").length, 8 * 4)
      const bodies = (yield* requests).map((r) => (r.body as Record<string, unknown>)["encoding_format"])
      assert.deepStrictEqual(bodies, ["float", "base64", "base64"])
    }).pipe(withEmulator))

  it.live("bad input is a typed error before anything is sent", () =>
    Effect.gen(function*() {
      const { embeddings } = yield* services
      const untyped = (params: Record<string, unknown>) =>
        embeddings.create(params as unknown as Embeddings.CreateParams)
      const cases = [
        [{ model: "m", input: "" }, "InvalidParameter", "input"],
        [{ model: "m", input: [] }, "InvalidParameter", "input"],
        [{ model: "m", input: [1, "a"] }, "InvalidParameter", "input"],
        [{ model: "", input: "x" }, "InvalidParameter", "model"],
        [{ model: "m", input: "x", dimensions: 0 }, "InvalidParameter", "dimensions"],
        [{ model: "m", input: "x", encoding_format: "int8" }, "InvalidParameter", "encoding_format"],
        [{ model: "m", input: "x", temperature: 0 }, "UnsupportedParameter", "temperature"]
      ] as const
      for (const [params, tag, parameter] of cases) {
        const error = yield* Effect.flip(untyped(params))
        assert.strictEqual(error._tag, tag)
        assert.strictEqual("parameter" in error ? error.parameter : undefined, parameter)
      }
      assert.strictEqual((yield* requests).length, 0)
    }).pipe(withEmulator))

  it.live("token arrays are accepted", () =>
    Effect.gen(function*() {
      const { embeddings } = yield* services
      const result = yield* embeddings.create({
        model: "text-embedding-3-small",
        input: [[1, 2, 3], [4, 5]],
        dimensions: 4
      })
      assert.strictEqual(result.data.length, 2)
    }).pipe(withEmulator))

  it.live("an API error maps to its typed error with the request id; a 401 refreshes once and succeeds", () =>
    Effect.scoped(Effect.flatMap(tempHome, (dir) =>
      Effect.gen(function*() {
        const { embeddings, emulator } = yield* services
        yield* seed(yield* emulator.issuer.issue(3600))
        yield* emulator.scriptRoute(
          "embeddings",
          CodexEmulator.http(400, {
            error: {
              type: "invalid_request_error",
              message: "This model does not support dimensions",
              param: "dimensions"
            }
          }, { "x-request-id": "req_emb" }),
          CodexEmulator.http(401, { error: { code: "token_expired", message: "expired" } })
        )
        const error = yield* Effect.flip(
          embeddings.create({ model: "text-embedding-ada-002", input: "x", dimensions: 3 })
        )
        assert.strictEqual(error._tag, "InvalidRequest")
        assert.strictEqual(error._tag === "InvalidRequest" ? error.requestId : undefined, "req_emb")
        assert.include(error.message, "does not support dimensions")
        const result = yield* embeddings.create({ model: "text-embedding-3-small", input: "x", dimensions: 3 })
        assert.strictEqual(result.data[0]?.embedding.length, 3)
        assert.strictEqual(yield* emulator.issuer.refreshRequests, 1)
      }).pipe(
        Effect.provide(layerClient({ codexHome: dir, config: { retryBaseDelay: Duration.millis(1) } }))
      ))))
})
