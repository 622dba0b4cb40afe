/**
 * Where conversations live: an append-only log of entries per conversation (its start,
 * each completed turn, each compaction), in memory, in a platform `KeyValueStore` (one
 * key per entry, then the count: a write cut short is never counted) or in one JSONL
 * file per conversation (a torn last line, from a kill during a write, is ignored and cut
 * off before the next append). Appending a turn writes only that turn's items.
 *
 * @internal
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as KeyValueStore from "@effect/platform/KeyValueStore"
import { Effect, Option } from "effect"

/** One line of a conversation's log. */
export type Entry =
  | {
    readonly kind: "start"
    readonly settings: Readonly<Record<string, unknown>>
    readonly history: ReadonlyArray<unknown>
  }
  | { readonly kind: "turn"; readonly items: ReadonlyArray<unknown>; readonly usage?: unknown }
  | { readonly kind: "compacted"; readonly history: ReadonlyArray<unknown> }

/** A store failure: what was done, and the platform's reason. */
export interface StoreFailure {
  readonly operation: string
  readonly cause: unknown
}

/** The log of every conversation. */
export interface Store {
  readonly append: (id: string, entry: Entry) => Effect.Effect<void, StoreFailure>
  /** The entries of a conversation, `undefined` when it was never started. */
  readonly load: (id: string) => Effect.Effect<ReadonlyArray<Entry> | undefined, StoreFailure>
}

const failure = (operation: string) => (cause: unknown): StoreFailure => ({ operation, cause })

/** Conversations in this process only. */
export const memory = (): Store => {
  const logs = new Map<string, Array<Entry>>()
  return {
    append: (id, entry) =>
      Effect.sync(() => {
        const log = logs.get(id)
        if (log === undefined) logs.set(id, [entry])
        else log.push(entry)
      }),
    load: (id) => Effect.sync(() => logs.get(id)?.slice())
  }
}

/** The entries of the JSON lines of a log; a line that does not parse ends it (a torn write). */
const parseLines = (text: string): { readonly entries: Array<Entry>; readonly validLength: number } => {
  const entries: Array<Entry> = []
  let offset = 0
  while (offset < text.length) {
    const end = text.indexOf("\n", offset)
    if (end === -1) break
    try {
      entries.push(JSON.parse(text.slice(offset, end)) as Entry)
    } catch {
      break
    }
    offset = end + 1
  }
  return { entries, validLength: offset }
}

/** One `<id>.jsonl` per conversation in `directory`, appended one line per entry. */
export const fileSystem = (fs: FileSystem.FileSystem, directory: string): Store => {
  const pathOf = (id: string) => `${directory}/${id}.jsonl`
  const ready = new Set<string>()
  /** Cuts a torn tail off before the first append of this process, so no line is ever glued to garbage. */
  const repair = (id: string) =>
    ready.has(id) ? Effect.void : Effect.gen(function*() {
      const path = pathOf(id)
      if (yield* fs.exists(path)) {
        const text = yield* fs.readFileString(path)
        const { validLength } = parseLines(text)
        if (validLength !== text.length) yield* fs.truncate(path, Buffer.byteLength(text.slice(0, validLength)))
      } else yield* fs.makeDirectory(directory, { recursive: true })
      ready.add(id)
    })
  return {
    append: (id, entry) =>
      Effect.zipRight(repair(id), fs.writeFileString(pathOf(id), `${JSON.stringify(entry)}\n`, { flag: "a" })).pipe(
        Effect.mapError(failure(`append to ${pathOf(id)}`))
      ),
    load: (id) =>
      Effect.gen(function*() {
        const path = pathOf(id)
        if (!(yield* fs.exists(path))) return undefined
        const { entries } = parseLines(yield* fs.readFileString(path))
        return entries.length === 0 ? undefined : entries
      }).pipe(Effect.mapError(failure(`read ${pathOf(id)}`)))
  }
}

/** Entries under `conversation/<id>/<n>`, then `conversation/<id>/count`: an entry counts once the count says so. */
export const keyValue = (kv: KeyValueStore.KeyValueStore): Store => {
  const countKey = (id: string) => `conversation/${id}/count`
  const count = (id: string) =>
    Effect.map(kv.get(countKey(id)), (found) => Option.match(found, { onNone: () => 0, onSome: Number }))
  return {
    append: (id, entry) =>
      Effect.gen(function*() {
        const n = yield* count(id)
        yield* kv.set(`conversation/${id}/${n}`, JSON.stringify(entry))
        yield* kv.set(countKey(id), String(n + 1))
      }).pipe(Effect.mapError(failure(`append to conversation ${id}`))),
    load: (id) =>
      Effect.gen(function*() {
        const n = yield* count(id)
        if (n === 0) return undefined
        const entries: Array<Entry> = []
        for (let i = 0; i < n; i++) {
          const raw = yield* kv.get(`conversation/${id}/${i}`)
          if (Option.isSome(raw)) entries.push(JSON.parse(raw.value) as Entry)
        }
        return entries
      }).pipe(Effect.mapError(failure(`read conversation ${id}`)))
  }
}
