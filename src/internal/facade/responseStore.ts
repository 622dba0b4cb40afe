/**
 * `new OpenAI({ responseStore })`: makes `previous_response_id` work over a backend that
 * stores nothing (`store: false`; the parameter itself is a 400 over HTTP, protocol §4.2).
 * Every response the client completes is kept as the history that produced it (its input,
 * then its output as the backend needs it replayed); a request naming a
 * `previous_response_id` is expanded locally into that history plus its own input, so the
 * backend receives exactly what an explicit history would have sent.
 *
 * @internal
 */
import { Effect, Stream } from "effect"
import * as NodeFs from "node:fs/promises"
import * as NodePath from "node:path"
import type { CodexError } from "../../CodexError.js"
import { InvalidParameter, NotFound } from "../../CodexError.js"
import type { Response } from "../../Response.js"
import * as ResponseCollector from "../../ResponseCollector.js"
import type { CreateParams, InputItem } from "../../Responses.js"
import type { ResponseStreamEvent } from "../../ResponseStreamEvent.js"
import { itemsOf, replayable } from "../history.js"

/** Where completed responses are kept: this client's memory, or one file per response in a directory. @internal */
export interface ResponseStore {
  readonly get: (id: string) => Effect.Effect<ReadonlyArray<InputItem> | undefined, CodexError>
  readonly put: (id: string, history: ReadonlyArray<InputItem>) => Effect.Effect<void, CodexError>
}

const storeFailure = (operation: string, cause: unknown) =>
  new InvalidParameter({
    parameter: "responseStore",
    detail: `${operation} failed: ${cause instanceof Error ? cause.message : String(cause)}`
  })

/** Response ids become file names: only these characters. */
const safeId = /^[A-Za-z0-9_-]{1,200}$/

/** A store for the `responseStore` option: `"memory"`, or a directory (created if missing, files 0600). @internal */
export const make = (option: "memory" | string): ResponseStore => {
  if (option === "memory") {
    const kept = new Map<string, ReadonlyArray<InputItem>>()
    return {
      get: (id) => Effect.sync(() => kept.get(id)),
      put: (id, history) => Effect.sync(() => void kept.set(id, history))
    }
  }
  const file = (id: string) => NodePath.join(option, `${id}.json`)
  return {
    get: (id) =>
      safeId.test(id)
        ? Effect.tryPromise({
          try: () =>
            NodeFs.readFile(file(id), "utf8").then(
              (text) => JSON.parse(text) as ReadonlyArray<InputItem>,
              (error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? undefined : Promise.reject(error))
            ),
          catch: (cause) => storeFailure(`reading ${file(id)}`, cause)
        })
        : Effect.succeed(undefined),
    put: (id, history) =>
      safeId.test(id)
        ? Effect.tryPromise({
          try: async () => {
            await NodeFs.mkdir(option, { recursive: true, mode: 0o700 })
            // Written whole, then renamed: a crash leaves the old file or the new one, never half of one.
            const temporary = `${file(id)}.${process.pid}.tmp`
            await NodeFs.writeFile(temporary, JSON.stringify(history), { mode: 0o600 })
            await NodeFs.rename(temporary, file(id))
          },
          catch: (cause) => storeFailure(`writing ${file(id)}`, cause)
        })
        : Effect.void
  }
}

/**
 * The request to send: without `previous_response_id`, as given; with it, the stored
 * history of that response followed by this request's input (a `NotFound` when the store
 * does not hold it). Also returns the full input, which the response is stored under.
 *
 * @internal
 */
export const expand = (store: ResponseStore, params: CreateParams) =>
  Effect.gen(function*() {
    const { previous_response_id: previous, ...rest } = params as CreateParams & {
      readonly previous_response_id?: unknown
    }
    if (previous === undefined) return { params, input: itemsOf(params.input) }
    if (typeof previous !== "string" || previous === "") {
      return yield* new InvalidParameter({ parameter: "previous_response_id", detail: "must be a non-empty string" })
    }
    const history = yield* store.get(previous)
    if (history === undefined) {
      return yield* new NotFound({
        detail: `response ${previous} is not in this client's responseStore (previous_response_id)`
      })
    }
    const input = [...history, ...itemsOf(params.input)]
    return { params: { ...rest, input } as CreateParams, input }
  })

/** Stores a completed response under its id: the input it answered, then its output. @internal */
export const keep = (store: ResponseStore, input: ReadonlyArray<InputItem>, response: Response) =>
  store.put(response.id, [...input, ...replayable(response.output)])

/** The stream, passed through, storing its response once `response.completed` arrives. @internal */
export const keepStreamed = <E, R>(
  store: ResponseStore,
  input: ReadonlyArray<InputItem>,
  events: Stream.Stream<ResponseStreamEvent, E, R>
): Stream.Stream<ResponseStreamEvent, E | CodexError, R> =>
  Stream.suspend(() => {
    const collector = ResponseCollector.make()
    return Stream.tap(events, (event) => {
      collector.push(event)
      return event.type === "response.completed"
        ? Effect.flatMap(collector.result(), (response) => keep(store, input, response))
        : Effect.void
    })
  })
