/**
 * `client.models` of the Promise client: the catalog as a page, and one model.
 *
 * @since 0.1.0
 */
import * as Models from "../../../Models.js"
import type { RequestOptions } from "../options.js"
import { Page, pagePromise } from "../page.js"
import type { PagePromise } from "../page.js"
import type { Engine } from "../runtime.js"

/**
 * `client.models`: the catalog (`list`, a page) and one model (`retrieve`).
 *
 * @since 0.1.0
 * @category resources
 */
export class ModelsResource {
  /** @internal */
  constructor(private readonly engine: Engine) {}

  /** The catalog: a page with `data`, async iterable (also directly on the returned promise). */
  list(options?: RequestOptions): PagePromise<Models.Model> {
    return pagePromise(
      this.engine.run(Models.Models, (models) => models.list(), options).then((list) => new Page(list.data))
    )
  }

  /** One model; rejects with `NotFound` (openai-node's `NotFoundError`) when there is none. */
  retrieve(id: string, options?: RequestOptions): Promise<Models.Model> {
    return this.engine.run(Models.Models, (models) => models.retrieve(id), options)
  }
}
