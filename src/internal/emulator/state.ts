/**
 * What one running emulator remembers between requests: the scripted replies per route,
 * the `/models` catalog and its ETag, the recorded requests (bounded), and its counters.
 * `reset` forgets them (the realtime call counter excepted: call ids stay unique).
 *
 * @internal
 */
import type { Options, RecordedRequest, Route } from "../../CodexEmulator.js"
import * as Catalog from "./models.js"
import type { Reply } from "./replies.js"

type Json = Record<string, unknown>

const noScripts = (): Readonly<Record<Route, ReadonlyArray<Reply>>> => ({
  responses: [],
  compact: [],
  token: [],
  models: [],
  realtime: [],
  embeddings: [],
  transcriptions: [],
  usage: [],
  tasks: [],
  environments: [],
  memories: [],
  userSystemMessages: [],
  client: []
})

const defaultEtag = "\"catalog-1\""

/** @internal */
export class State {
  private scripts = noScripts()
  private readonly recordedSizes: Array<number> = []
  private recordedBytes = 0
  private readonly maxEntries: number
  private readonly maxBytes: number
  /** The `/models` catalog (wire objects, each with a `slug`). */
  catalog: ReadonlyArray<Json> = Catalog.models
  /** The catalog's ETag, sent as `etag` by `/models` and `x-models-etag` by `/responses`. */
  modelsEtag = defaultEtag
  /** Realtime calls answered (numbers their call ids). */
  realtimeCalls = 0
  /** SSE replies the client closed before the server finished them. */
  aborted = 0
  /** The requests kept, oldest first. */
  readonly recorded: Array<RecordedRequest> = []

  constructor(bounds: Options["maxRecorded"] = {}) {
    this.maxEntries = bounds.entries ?? 1000
    this.maxBytes = bounds.bytes ?? 64 * 1024 * 1024
  }

  /** Keeps a request (with the byte size of its body), forgetting the oldest beyond the bounds. */
  keep(entry: RecordedRequest, size: number): void {
    this.recorded.push(entry)
    this.recordedSizes.push(size)
    this.recordedBytes += size
    while (this.recorded.length > this.maxEntries || (this.recordedBytes > this.maxBytes && this.recorded.length > 1)) {
      this.recorded.shift()
      this.recordedBytes -= this.recordedSizes.shift() ?? 0
    }
  }

  /** Queues replies for the next requests to `route`. */
  script(route: Route, replies: ReadonlyArray<Reply>): void {
    this.scripts = { ...this.scripts, [route]: [...this.scripts[route], ...replies] }
  }

  /** Takes the next scripted reply for `route`, only when `take` accepts it. */
  nextIf(route: Route, take: (reply: Reply) => boolean): Reply | undefined {
    const [head, ...rest] = this.scripts[route]
    if (head === undefined || !take(head)) return undefined
    this.scripts = { ...this.scripts, [route]: rest }
    return head
  }

  /** Takes the next scripted reply for `route`, if any. */
  next(route: Route): Reply | undefined {
    return this.nextIf(route, () => true)
  }

  /** The slugs the backend serves, whatever client asks: the whole catalog. */
  served(): ReadonlySet<string> {
    return new Set(this.catalog.map((model) => String(model["slug"])))
  }

  /** Forgets scripts, the catalog set by `setModels`, recorded requests and the aborted count. */
  reset(): void {
    this.scripts = noScripts()
    this.catalog = Catalog.models
    this.modelsEtag = defaultEtag
    this.recorded.splice(0)
    this.recordedSizes.splice(0)
    this.recordedBytes = 0
    this.aborted = 0
  }
}
