/**
 * `client.embeddings` of the Promise client.
 *
 * @since 0.1.0
 */
import * as Embeddings from "../../../Embeddings.js"
import type { RequestOptions } from "../options.js"
import type { Engine } from "../runtime.js"

/**
 * `client.embeddings.create(...)`.
 *
 * @since 0.1.0
 * @category resources
 */
export class EmbeddingsResource {
  /** @internal */
  constructor(private readonly engine: Engine) {}

  /** Vectors as base64 strings. */
  create(
    params: Embeddings.CreateParams & { readonly encoding_format: "base64" },
    options?: RequestOptions
  ): Promise<Embeddings.CreateEmbeddingResponse<string>>
  /** Vectors as numbers. */
  create(params: Embeddings.CreateParams, options?: RequestOptions): Promise<Embeddings.CreateEmbeddingResponse>
  create(
    params: Embeddings.CreateParams,
    options?: RequestOptions
  ): Promise<Embeddings.CreateEmbeddingResponse | Embeddings.CreateEmbeddingResponse<string>> {
    return this.engine.run(Embeddings.Embeddings, (embeddings) => embeddings.create(params), options)
  }
}
