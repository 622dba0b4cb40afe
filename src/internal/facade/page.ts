/**
 * openai-node's `Page` and `PagePromise` for the Promise client's lists (the backend's
 * lists are not paginated: one page, never a next one).
 *
 * @since 0.1.0
 */

/**
 * A page of a list, as openai-node's `Page`: `data`, and iterable over its items, with
 * `for await` as with `for…of`. The backend's lists are not paginated: there is never a
 * next page.
 *
 * @since 0.1.0
 * @category models
 */
export class Page<Item> implements AsyncIterable<Item>, Iterable<Item> {
  readonly object = "list" as const
  readonly data: Array<Item>
  constructor(data: ReadonlyArray<Item>) {
    this.data = data.slice()
  }
  /** The items of this page. */
  getPaginatedItems(): Array<Item> {
    return this.data
  }
  /** Always `false`. */
  hasNextPage(): boolean {
    return false
  }
  async *[Symbol.asyncIterator](): AsyncIterator<Item> {
    yield* this.data
  }
  [Symbol.iterator](): Iterator<Item> {
    return this.data[Symbol.iterator]()
  }
}

/**
 * A promise of a {@link Page} that is itself async iterable over the items, as
 * openai-node's `PagePromise`: `for await (const model of client.models.list())`.
 *
 * @since 0.1.0
 * @category models
 */
export type PagePromise<Item> = Promise<Page<Item>> & AsyncIterable<Item>

/**
 * A promise of a page, made async iterable over its items.
 *
 * @since 0.1.0
 * @category constructors
 */
export const pagePromise = <Item>(page: Promise<Page<Item>>): PagePromise<Item> =>
  Object.assign(page, {
    async *[Symbol.asyncIterator](): AsyncGenerator<Item> {
      yield* (await page).data
    }
  })
