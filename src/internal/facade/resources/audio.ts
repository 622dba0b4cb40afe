/**
 * `client.audio` of the Promise client: `transcriptions.create`, with `file` in any form
 * openai-node or the seed takes (read into an upload before the call).
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as Audio from "../../../Audio.js"
import * as CodexError from "../../../CodexError.js"
import * as Files from "../files.js"
import type { RequestOptions } from "../options.js"
import type { Engine } from "../runtime.js"

/**
 * The parameters of `audio.transcriptions.create`: `file` in any form openai-node or the
 * seed takes (see {@link Files.FileInput}).
 *
 * @since 0.1.0
 * @category models
 */
export type TranscriptionCreateParams = Omit<Audio.TranscriptionCreateParams, "file"> & {
  readonly file: Files.FileInput
}

/**
 * `client.audio.transcriptions`.
 *
 * @since 0.1.0
 * @category resources
 */
export class TranscriptionsResource {
  /** @internal */
  constructor(private readonly engine: Engine) {}

  /** The plain text. */
  create(
    params: TranscriptionCreateParams & { readonly response_format: "text" },
    options?: RequestOptions
  ): Promise<string>
  /** `{ text, ... }`. */
  create(params: TranscriptionCreateParams, options?: RequestOptions): Promise<Audio.Transcription>
  create(params: TranscriptionCreateParams, options?: RequestOptions): Promise<Audio.Transcription | string> {
    return this.engine.run(
      Audio.Audio,
      (audio): Effect.Effect<Audio.Transcription | string, CodexError.CodexError> =>
        Effect.flatMap(
          Effect.tryPromise({
            try: () => Files.toUploadable(params.file),
            catch: (error) =>
              new CodexError.InvalidParameter({
                parameter: "file",
                detail: error instanceof Files.FileInputError
                  ? error.message
                  : `could not be read: ${error instanceof Error ? error.message : String(error)}`
              })
          }),
          (file) => audio.transcriptions.create({ ...params, file })
        ),
      options
    )
  }
}

/**
 * `client.audio`.
 *
 * @since 0.1.0
 * @category resources
 */
export class AudioResource {
  readonly transcriptions: TranscriptionsResource
  /** @internal */
  constructor(engine: Engine) {
    this.transcriptions = new TranscriptionsResource(engine)
  }
}
