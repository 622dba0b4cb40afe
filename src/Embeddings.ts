/**
 * `POST {api}/embeddings` (protocol §11.1): embeddings on `api.openai.com` with the ChatGPT
 * OAuth access token as bearer, and no ChatGPT account headers. Usage is billed to the
 * Platform organisation linked to the account, not to the ChatGPT plan.
 *
 * Unless the caller asks for `encoding_format: "base64"`, vectors are fetched as base64
 * (a quarter of the bytes of JSON floats) and decoded to numbers, as openai-node does.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Embeddings } from "codex-backend-sdk"
 *
 * const vector = Effect.gen(function*() {
 *   const embeddings = yield* Embeddings.Embeddings
 *   const result = yield* embeddings.create({ model: "text-embedding-3-small", input: "Embed this.", dimensions: 256 })
 *   return result.data[0]?.embedding // ReadonlyArray<number>
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Schema } from "effect"
import type { CodexAuth } from "./CodexAuth.js"
import type { CodexConfig } from "./CodexConfig.js"
import type { CodexError } from "./CodexError.js"
import { InvalidParameter } from "./CodexError.js"
import type { CodexTransport } from "./CodexTransport.js"
import { makeBackend, readDecoded, withDeadline } from "./internal/http.js"
import { checkFields } from "./internal/request.js"
import { joinUrl } from "./internal/wire.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface CreateParams {
  /** E.g. `text-embedding-3-small`. */
  readonly model: string
  /** A string, several strings, or token arrays. */
  readonly input: string | ReadonlyArray<string> | ReadonlyArray<number> | ReadonlyArray<ReadonlyArray<number>>
  /** Shortens the vectors (text-embedding-3 models). */
  readonly dimensions?: number
  /** `"base64"` returns the wire's base64 strings; otherwise vectors are numbers. */
  readonly encoding_format?: "float" | "base64"
  readonly user?: string
}

/**
 * One vector: numbers, or the base64 string when it was asked for.
 *
 * @since 0.1.0
 * @category models
 */
export interface Embedding<V> {
  readonly object: "embedding"
  readonly index: number
  readonly embedding: V
}

/**
 * The OpenAI-shaped result.
 *
 * @since 0.1.0
 * @category models
 */
export interface CreateEmbeddingResponse<V = ReadonlyArray<number>> {
  readonly object: "list"
  readonly data: ReadonlyArray<Embedding<V>>
  readonly model: string
  /** As the API reports it (absent when it reports none). */
  readonly usage?: { readonly prompt_tokens: number; readonly total_tokens: number }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly create: {
    (
      params: CreateParams & { readonly encoding_format: "base64" }
    ): Effect.Effect<CreateEmbeddingResponse<string>, CodexError>
    (params: CreateParams): Effect.Effect<CreateEmbeddingResponse<ReadonlyArray<number>>, CodexError>
  }
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Embeddings extends Context.Tag("codex-backend-sdk/Embeddings")<Embeddings, Service>() {}

const endpoint = "POST /embeddings"

const fields: ReadonlySet<string> = new Set(["model", "input", "dimensions", "encoding_format", "user"])

/**
 * A result whose vectors may be numbers or base64 strings, whatever was asked for: what
 * the wire returns, and what a `layerTest` implementation may return.
 *
 * @since 0.1.0
 * @category models
 */
export type LooseResponse = CreateEmbeddingResponse<ReadonlyArray<number> | string> | typeof Wire.Type

const Wire = Schema.Struct({
  data: Schema.Array(
    Schema.Struct({ index: Schema.Number, embedding: Schema.Union(Schema.Array(Schema.Number), Schema.String) })
  ),
  model: Schema.String,
  usage: Schema.optional(Schema.Struct({ prompt_tokens: Schema.Number, total_tokens: Schema.Number }))
})

const isTokens = (u: unknown): boolean => Array.isArray(u) && u.length > 0 && u.every((x) => Number.isInteger(x))

const checkInput = (input: unknown): InvalidParameter | undefined => {
  if (typeof input === "string") {
    return input === ""
      ? new InvalidParameter({ parameter: "input", detail: "is empty" })
      : undefined
  }
  if (!Array.isArray(input) || input.length === 0) {
    return new InvalidParameter({
      parameter: "input",
      detail: "must be a non-empty string, array of strings, or token arrays"
    })
  }
  if (input.every((x) => typeof x === "string" && x !== "") || isTokens(input) || input.every(isTokens)) {
    return undefined
  }
  return new InvalidParameter({
    parameter: "input",
    detail: "must be a non-empty string, a list of non-empty strings, a token array, or a list of token arrays"
  })
}

/** Little-endian float32s, as the API encodes them. */
const decodeBase64 = (text: string): ReadonlyArray<number> => {
  const bytes = Buffer.from(text, "base64")
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out = new Array<number>(bytes.byteLength >>> 2)
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true)
  return out
}

const encodeBase64 = (vector: ReadonlyArray<number>): string => {
  const bytes = Buffer.alloc(vector.length * 4)
  vector.forEach((x, i) => bytes.writeFloatLE(x, i * 4))
  return bytes.toString("base64")
}

const toResponse = <V>(
  loose: LooseResponse,
  vector: (embedding: ReadonlyArray<number> | string) => V
): CreateEmbeddingResponse<V> => ({
  object: "list",
  data: loose.data.map((item) => ({ object: "embedding", index: item.index, embedding: vector(item.embedding) })),
  model: loose.model,
  ...(loose.usage === undefined ? {} : { usage: loose.usage })
})

/**
 * `create` from a function that returns vectors in either form: each vector is converted
 * to the form the caller asked for (numbers unless `encoding_format: "base64"`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const shaped = (run: (params: CreateParams) => Effect.Effect<LooseResponse, CodexError>): Service["create"] => {
  function create(
    params: CreateParams & { readonly encoding_format: "base64" }
  ): Effect.Effect<CreateEmbeddingResponse<string>, CodexError>
  function create(params: CreateParams): Effect.Effect<CreateEmbeddingResponse<ReadonlyArray<number>>, CodexError>
  function create(
    params: CreateParams
  ): Effect.Effect<CreateEmbeddingResponse<string> | CreateEmbeddingResponse<ReadonlyArray<number>>, CodexError> {
    return params.encoding_format === "base64"
      ? Effect.map(run(params), (loose) => toResponse(loose, (v) => (typeof v === "string" ? v : encodeBase64(v))))
      : Effect.map(run(params), (loose) => toResponse(loose, (v) => (typeof v === "string" ? decodeBase64(v) : v)))
  }
  return create
}

/**
 * Builds the live service.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Service, never, CodexConfig | CodexAuth | CodexTransport> = Effect.gen(function*() {
  const backend = yield* makeBackend
  const config = backend.config
  const url = joinUrl(config.openaiBaseUrl, "embeddings")

  const request = Effect.fn("Embeddings.create")(function*(params: CreateParams) {
    const body = yield* checkFields(params, fields, endpoint, config.parameterPolicy)
    if (typeof body["model"] !== "string" || body["model"] === "") {
      return yield* new InvalidParameter({
        parameter: "model",
        detail: "name an embedding model, e.g. text-embedding-3-small"
      })
    }
    const badInput = checkInput(body["input"])
    if (badInput !== undefined) return yield* badInput
    const dimensions = body["dimensions"]
    if (
      dimensions !== undefined && !(Number.isInteger(dimensions) && typeof dimensions === "number" && dimensions > 0)
    ) {
      return yield* new InvalidParameter({ parameter: "dimensions", detail: "must be a whole number > 0" })
    }
    const format = body["encoding_format"]
    if (format !== undefined && format !== "float" && format !== "base64") {
      return yield* new InvalidParameter({ parameter: "encoding_format", detail: "must be \"float\" or \"base64\"" })
    }
    if (body["user"] !== undefined && typeof body["user"] !== "string") {
      return yield* new InvalidParameter({ parameter: "user", detail: "must be a string" })
    }
    const call = {
      endpoint,
      url,
      method: "POST",
      accept: "application/json",
      host: "api",
      body: { ...body, encoding_format: format ?? "base64" }
    } as const
    const response = yield* backend.send(call)
    return yield* readDecoded(call, response, config.maxEventBytes, Wire)
  }, withDeadline(config, endpoint))

  return Embeddings.of({ create: shaped(request) })
})

/**
 * The live service; `CodexClient.layer` provides what it needs.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Embeddings, never, CodexConfig | CodexAuth | CodexTransport> = Layer.effect(
  Embeddings,
  make
)

/**
 * What `layerTest` takes: a `create` that may return vectors in either form (they are
 * converted to the form the caller asked for).
 *
 * @since 0.1.0
 * @category models
 */
export interface TestImplementation {
  readonly create?: (params: CreateParams) => Effect.Effect<LooseResponse, CodexError>
}

/**
 * A test double: `create` answers from the given implementation, or dies with a message
 * naming it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTest = (impl: TestImplementation): Layer.Layer<Embeddings> =>
  Layer.succeed(
    Embeddings,
    Embeddings.of({
      create: shaped(
        impl.create ?? (() => Effect.dieMessage("Embeddings.create is not implemented by this test layer"))
      )
    })
  )
