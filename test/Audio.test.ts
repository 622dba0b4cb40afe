import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import * as NodeFs from "node:fs/promises"
import * as NodePath from "node:path"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { Audio } from "../src/index.js"
import { layerClient, tempHome } from "./helpers.js"

const withEmulator = Effect.provide(layerClient({ config: { retryBaseDelay: Duration.millis(1) } }))

const services = Effect.all({ audio: Audio.Audio, emulator: CodexEmulator.CodexEmulator })

const requests = Effect.flatMap(CodexEmulator.CodexEmulator, (e) => e.requests)

const bytes = (head: string, size = 64, at = 0) => {
  const out = new Uint8Array(size)
  for (let i = 0; i < head.length; i++) out[at + i] = head.charCodeAt(i)
  return out
}
const wav = () => {
  const out = bytes("RIFF", 64)
  out.set(bytes("WAVEfmt ", 8), 8)
  return out
}

describe("Audio against the emulator", () => {
  it.live("transcriptions.create: multipart with a sniffed filename and type, the model, and only the bearer", () =>
    Effect.gen(function*() {
      const { audio } = yield* services
      const transcription = yield* audio.transcriptions.create({
        file: wav(),
        model: "gpt-4o-mini-transcribe",
        language: "en",
        temperature: 0.2
      })
      assert.strictEqual(transcription.text, "Emulated transcript of audio.wav (audio/wav, 64 bytes).")
      const [request] = yield* requests
      assert.strictEqual(request?.path, "/v1/audio/transcriptions")
      assert.match(request?.headers["content-type"] ?? "", /^multipart\/form-data; boundary=/)
      assert.deepStrictEqual(request?.body, {
        file: { name: "audio.wav", type: "audio/wav", size: 64 },
        model: "gpt-4o-mini-transcribe",
        language: "en",
        temperature: "0.2",
        response_format: "json"
      })
      assert.isUndefined(request?.headers["chatgpt-account-id"])
      assert.isUndefined(request?.headers["originator"])
      assert.match(request?.headers["authorization"] ?? "", /^Bearer /)
    }).pipe(withEmulator))

  it.scoped("every kind of file: a path, a File, a Blob, { name, data, type }; text format returns the string", () =>
    Effect.gen(function*() {
      const { audio } = yield* services
      const dir = yield* tempHome
      const path = NodePath.join(dir, "meeting.mp3")
      yield* Effect.promise(() => NodeFs.writeFile(path, bytes("ID3", 100)))
      const fromPath = yield* audio.transcriptions.create({ file: path, model: "m" })
      assert.include(fromPath.text, "meeting.mp3 (audio/mpeg, 100 bytes)")
      const file = new File([bytes("OggS", 10)], "voice", { type: "" })
      assert.include((yield* audio.transcriptions.create({ file, model: "m" })).text, "voice.ogg (audio/ogg, 10 bytes)")
      const blob = new Blob([bytes("fLaC", 12)])
      assert.include(
        (yield* audio.transcriptions.create({ file: blob, model: "m" })).text,
        "audio.flac (audio/flac, 12 bytes)"
      )
      const parts = { name: "memo.m4a", data: bytes("ftyp", 16, 4), type: "audio/x-m4a" }
      const text = yield* audio.transcriptions.create({ file: parts, model: "m", response_format: "text" })
      assert.strictEqual(text, "Emulated transcript of memo.m4a (audio/x-m4a, 16 bytes).")
      const unknown = yield* audio.transcriptions.create({ file: bytes("????", 8), model: "m" })
      assert.include(unknown.text, "audio.bin (application/octet-stream, 8 bytes)")
    }).pipe(withEmulator))

  it.live("rejected parameters, other formats and bad files fail locally, before anything is sent", () =>
    Effect.gen(function*() {
      const { audio } = yield* services
      const untyped = (params: Record<string, unknown>) =>
        audio.transcriptions.create(params as unknown as Audio.TranscriptionCreateParams)
      for (
        const parameter of [
          "stream",
          "chunking_strategy",
          "include",
          "timestamp_granularities",
          "known_speaker_names",
          "known_speaker_references",
          "keywords",
          "languages"
        ]
      ) {
        const error = yield* Effect.flip(untyped({ file: wav(), model: "m", [parameter]: true }))
        assert.strictEqual(error._tag, "UnsupportedParameter")
        assert.strictEqual(error._tag === "UnsupportedParameter" ? error.parameter : undefined, parameter)
      }
      const format = yield* Effect.flip(untyped({ file: wav(), model: "m", response_format: "srt" }))
      assert.isTrue(format._tag === "InvalidParameter" && format.parameter === "response_format")
      const missingPath = yield* Effect.flip(untyped({ file: "/nonexistent/x.wav", model: "m" }))
      assert.isTrue(missingPath._tag === "InvalidParameter" && missingPath.parameter === "file")
      const empty = yield* Effect.flip(untyped({ file: new Uint8Array(0), model: "m" }))
      assert.isTrue(empty._tag === "InvalidParameter" && empty.parameter === "file")
      const notAFile = yield* Effect.flip(untyped({ file: 42, model: "m" }))
      assert.isTrue(notAFile._tag === "InvalidParameter" && notAFile.parameter === "file")
      const temperature = yield* Effect.flip(untyped({ file: wav(), model: "m", temperature: 3 }))
      assert.isTrue(temperature._tag === "InvalidParameter" && temperature.parameter === "temperature")
      assert.strictEqual((yield* requests).length, 0)
    }).pipe(withEmulator))

  it.live("a 5xx is retried with the same multipart body", () =>
    Effect.gen(function*() {
      const { audio, emulator } = yield* services
      yield* emulator.scriptRoute("transcriptions", CodexEmulator.http(502, { error: { message: "bad gateway" } }))
      const transcription = yield* audio.transcriptions.create({ file: wav(), model: "m" })
      assert.include(transcription.text, "audio.wav")
      const bodies = (yield* requests).map((r) => r.body)
      assert.strictEqual(bodies.length, 2)
      assert.deepStrictEqual(bodies[0], bodies[1])
    }).pipe(withEmulator))

  it("sniff recognises the documented magic numbers", () => {
    assert.deepStrictEqual(Audio.sniff(wav()), { extension: "wav", type: "audio/wav" })
    assert.deepStrictEqual(Audio.sniff(new Uint8Array([0xff, 0xfb, 0x90])), { extension: "mp3", type: "audio/mpeg" })
    assert.deepStrictEqual(Audio.sniff(bytes("ftyp", 12, 4)), { extension: "m4a", type: "audio/mp4" })
    assert.isUndefined(Audio.sniff(bytes("RIFF", 12)))
  })
})
