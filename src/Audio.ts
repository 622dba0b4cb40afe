/**
 * `POST {api}/audio/transcriptions` (protocol §11.2): speech to text on `api.openai.com`
 * with the ChatGPT OAuth access token, as multipart form data. Usage is billed to the
 * Platform organisation linked to the account.
 *
 * The file may be bytes, a path on disk, a web `File`/`Blob`, or `{ name, data, type }`;
 * a filename and MIME type are always sent, sniffed from the magic bytes when not given
 * (WAV, MP3, OGG, FLAC, M4A).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Audio } from "codex-backend-sdk"
 *
 * const transcript = Effect.gen(function*() {
 *   const audio = yield* Audio.Audio
 *   const { text } = yield* audio.transcriptions.create({ file: "meeting.wav", model: "gpt-4o-mini-transcribe" })
 *   return text
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Schema } from "effect"
import * as NodeFs from "node:fs/promises"
import * as NodePath from "node:path"
import type { CodexAuth } from "./CodexAuth.js"
import type { CodexConfig } from "./CodexConfig.js"
import type { CodexError } from "./CodexError.js"
import { InvalidParameter } from "./CodexError.js"
import type { CodexTransport } from "./CodexTransport.js"
import { makeBackend, readBody, readDecoded, withDeadline } from "./internal/http.js"
import { checkFields } from "./internal/request.js"
import { joinUrl } from "./internal/wire.js"

/**
 * An audio file: its bytes, a path on disk, a web `File`/`Blob`, or its parts.
 *
 * @since 0.1.0
 * @category models
 */
export type Uploadable =
  | Uint8Array
  | string
  | Blob
  | { readonly name?: string; readonly data: Uint8Array | Blob; readonly type?: string }

/**
 * @since 0.1.0
 * @category models
 */
export interface TranscriptionCreateParams {
  readonly file: Uploadable
  /** E.g. `gpt-4o-mini-transcribe`. */
  readonly model: string
  /** ISO-639-1, e.g. `"en"`. */
  readonly language?: string
  readonly prompt?: string
  /** 0 to 1. */
  readonly temperature?: number
  /** `"json"` (default) returns `{ text }`, `"text"` the plain text; the backend takes no other. */
  readonly response_format?: "json" | "text"
}

/**
 * A transcription (`json` format): `text`, plus whatever else the API returned.
 *
 * @since 0.1.0
 * @category models
 */
export const Transcription = Schema.Struct(
  { text: Schema.String },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
)

/**
 * @since 0.1.0
 * @category models
 */
export type Transcription = typeof Transcription.Type

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly transcriptions: {
    readonly create: {
      (params: TranscriptionCreateParams & { readonly response_format: "text" }): Effect.Effect<string, CodexError>
      (params: TranscriptionCreateParams): Effect.Effect<Transcription, CodexError>
    }
  }
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Audio extends Context.Tag("codex-backend-sdk/Audio")<Audio, Service>() {}

const endpoint = "POST /audio/transcriptions"

/** The parts §11.2 allows; everything else (`stream`, `include`, `timestamp_granularities`…) is refused locally. */
const fields: ReadonlySet<string> = new Set(["file", "model", "language", "prompt", "temperature", "response_format"])

/**
 * The format of audio bytes, from their magic numbers (§11.2).
 *
 * @since 0.1.0
 * @category utils
 */
export const sniff = (bytes: Uint8Array): { readonly extension: string; readonly type: string } | undefined => {
  const ascii = (at: number, text: string) =>
    bytes.length >= at + text.length && [...text].every((c, i) => bytes[at + i] === c.charCodeAt(0))
  if (ascii(0, "RIFF") && ascii(8, "WAVE")) return { extension: "wav", type: "audio/wav" }
  if (ascii(0, "ID3") || (bytes.length >= 2 && bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0)) {
    return { extension: "mp3", type: "audio/mpeg" }
  }
  if (ascii(0, "OggS")) return { extension: "ogg", type: "audio/ogg" }
  if (ascii(0, "fLaC")) return { extension: "flac", type: "audio/flac" }
  if (ascii(4, "ftyp")) return { extension: "m4a", type: "audio/mp4" }
  return undefined
}

const invalidFile = (reason: string) => new InvalidParameter({ parameter: "file", detail: reason })

/** The file as a named, typed Blob. */
const toBlob = (file: Uploadable): Effect.Effect<{ readonly blob: Blob; readonly name: string }, InvalidParameter> =>
  Effect.gen(function*() {
    let data: Uint8Array | Blob
    let name: string | undefined
    let type: string | undefined
    if (typeof file === "string") {
      data = yield* Effect.tryPromise({
        try: () => NodeFs.readFile(file),
        catch: (error) => invalidFile(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`)
      })
      name = NodePath.basename(file)
    } else if (file instanceof Uint8Array || file instanceof Blob) {
      data = file
      if (typeof File !== "undefined" && file instanceof File && file.name !== "") name = file.name
    } else if (
      typeof file === "object" && file !== null && (file.data instanceof Uint8Array || file.data instanceof Blob)
    ) {
      data = file.data
      name = file.name
      type = file.type
    } else {
      return yield* invalidFile("must be bytes (Uint8Array), a path, a File/Blob, or { name, data, type }")
    }
    if (type === undefined && data instanceof Blob && data.type !== "") type = data.type
    const head = data instanceof Blob
      ? new Uint8Array(yield* Effect.promise(() => data.slice(0, 16).arrayBuffer()))
      : data
    const size = data instanceof Blob ? data.size : data.byteLength
    if (size === 0) return yield* invalidFile("is empty")
    const sniffed = sniff(head)
    // The API reads the format from the name's extension: give it one when the name has none.
    const base = name === undefined || name === "" ? "audio" : name
    const filename = NodePath.extname(base) === "" ? `${base}.${sniffed?.extension ?? "bin"}` : base
    const blob = data instanceof Blob && type === data.type
      ? data
      : new Blob([data], { type: type ?? sniffed?.type ?? "application/octet-stream" })
    return { blob, name: filename }
  })

/**
 * `transcriptions.create` from a function that returns the text or a `Transcription`:
 * the answer takes the form the caller's `response_format` asks for.
 *
 * @since 0.1.0
 * @category constructors
 */
export const shaped = (
  run: (params: TranscriptionCreateParams) => Effect.Effect<string | Transcription, CodexError>
): Service["transcriptions"]["create"] => {
  function create(
    params: TranscriptionCreateParams & { readonly response_format: "text" }
  ): Effect.Effect<string, CodexError>
  function create(params: TranscriptionCreateParams): Effect.Effect<Transcription, CodexError>
  function create(params: TranscriptionCreateParams): Effect.Effect<string | Transcription, CodexError> {
    return Effect.map(run(params), (answer) =>
      params.response_format === "text"
        ? (typeof answer === "string" ? answer : answer.text)
        : (typeof answer === "string" ? { text: answer } : answer))
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
  const url = joinUrl(config.openaiBaseUrl, "audio/transcriptions")

  const send = Effect.fn("Audio.transcriptions.create")(function*(params: TranscriptionCreateParams) {
    const checked = yield* checkFields(params, fields, endpoint, config.parameterPolicy)
    if (typeof checked["model"] !== "string" || checked["model"] === "") {
      return yield* new InvalidParameter({
        parameter: "model",
        detail: "name a transcription model, e.g. gpt-4o-mini-transcribe"
      })
    }
    const format = checked["response_format"] ?? "json"
    if (format !== "json" && format !== "text") {
      return yield* new InvalidParameter({
        parameter: "response_format",
        detail: `this backend returns only "json" or "text", not ${JSON.stringify(format)}`
      })
    }
    for (const key of ["language", "prompt"] as const) {
      if (checked[key] !== undefined && typeof checked[key] !== "string") {
        return yield* new InvalidParameter({ parameter: key, detail: "must be a string" })
      }
    }
    const temperature = checked["temperature"]
    if (temperature !== undefined && !(typeof temperature === "number" && temperature >= 0 && temperature <= 1)) {
      return yield* new InvalidParameter({ parameter: "temperature", detail: "must be a number from 0 to 1" })
    }
    const { blob, name } = yield* toBlob(params.file)
    const form = new FormData()
    form.append("file", blob, name)
    form.append("model", checked["model"])
    for (const key of ["language", "prompt"] as const) {
      const value = checked[key]
      if (typeof value === "string") form.append(key, value)
    }
    if (typeof temperature === "number") form.append("temperature", String(temperature))
    form.append("response_format", format)
    // Encoded here, once: every HTTP client (fetch, node:http, undici) then sends the same
    // bytes, on the first attempt and on retries.
    const encoded = new Response(form)
    const multipart = new Uint8Array(yield* Effect.promise(() => encoded.arrayBuffer()))
    const payload = { contentType: encoded.headers.get("content-type") ?? "multipart/form-data", body: multipart }
    const call = {
      endpoint,
      url,
      method: "POST",
      accept: format === "text" ? "text/plain" : "application/json",
      host: "api",
      payload
    } as const
    const response = yield* backend.send(call)
    if (format === "text") return yield* readBody(response, config.maxEventBytes)
    return yield* readDecoded(call, response, config.maxEventBytes, Transcription)
  }, withDeadline(config, endpoint))

  return Audio.of({ transcriptions: { create: shaped(send) } })
})

/**
 * The live service; `CodexClient.layer` provides what it needs.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Audio, never, CodexConfig | CodexAuth | CodexTransport> = Layer.effect(Audio, make)

/**
 * What `layerTest` takes.
 *
 * @since 0.1.0
 * @category models
 */
export interface TestImplementation {
  readonly transcriptions?: {
    /** May answer with the text or a `Transcription`, whatever the format asked for. */
    readonly create?: (params: TranscriptionCreateParams) => Effect.Effect<string | Transcription, CodexError>
  }
}

/**
 * A test double: `transcriptions.create` answers from the given implementation, or dies
 * with a message naming it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTest = (impl: TestImplementation): Layer.Layer<Audio> =>
  Layer.succeed(
    Audio,
    Audio.of({
      transcriptions: {
        create: shaped(
          impl.transcriptions?.create ??
            (() => Effect.dieMessage("Audio.transcriptions.create is not implemented by this test layer"))
        )
      }
    })
  )
