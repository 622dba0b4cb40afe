/**
 * The fold `Stream<ResponseStreamEvent>` → `Response` (protocol §5.4).
 *
 * One slot per `output_index`: `response.output_item.added` opens it, deltas append to it
 * (text by `content_index`, function `arguments`, summaries by `summary_index`),
 * `response.output_item.done` replaces it. On `response.completed` the result is the
 * completed snapshot, with `output` filled from the slots when the backend sent it empty
 * (as it usually does). Deltas are kept as arrays and joined once, so collecting is linear
 * in the size of the stream.
 *
 * @since 0.1.0
 */
import { Clock, Effect, Stream } from "effect"
import type { CodexError } from "./CodexError.js"
import { StreamInterrupted } from "./CodexError.js"
import { fromTerminalEvent } from "./internal/errors.js"
import { isRecord } from "./internal/jsonGuards.js"
import type { OutputItem, Response, ResponseSnapshot } from "./Response.js"
import { outputText } from "./Response.js"
import type { ResponseStreamEvent } from "./ResponseStreamEvent.js"

type Parts = Map<number, Array<string>>

interface Slot {
  item: OutputItem | undefined
  done: boolean
  text: Parts | undefined
  refusal: Parts | undefined
  reasoning: Parts | undefined
  summary: Parts | undefined
  args: Array<string> | undefined
  input: Array<string> | undefined
}

const append = (parts: Parts | undefined, index: number, delta: string): Parts => {
  const map = parts ?? new Map<number, Array<string>>()
  const list = map.get(index)
  if (list === undefined) map.set(index, [delta])
  else list.push(delta)
  return map
}

const replace = (parts: Parts | undefined, index: number, text: string): Parts =>
  (parts ?? new Map<number, Array<string>>()).set(index, [text])

const mergeParts = (
  existing: ReadonlyArray<unknown>,
  parts: Parts | undefined,
  make: (index: number, text: string, previous: unknown) => unknown
): Array<unknown> => {
  const content = existing.slice()
  if (parts !== undefined) {
    for (const [index, list] of [...parts.entries()].sort((a, b) => a[0] - b[0])) {
      content[index] = make(index, list.join(""), content[index])
    }
  }
  return content.filter((part) => part !== undefined)
}

/**
 * A mutable, single-use accumulator. Feed it every event with `push`; read the result
 * with `response()` once `response.completed` was pushed, or `partial()` at any time.
 *
 * @since 0.1.0
 * @category models
 */
export class Collector {
  private snapshot: ResponseSnapshot | undefined = undefined
  private readonly slots: Array<Slot | undefined> = []
  private terminal: ResponseStreamEvent | undefined = undefined
  /** Events pushed so far. */
  events = 0

  /** Folds one event in. */
  push(event: ResponseStreamEvent): void {
    this.events++
    switch (event.type) {
      case "response.output_text.delta":
        this.slot(event.output_index).text = append(
          this.slot(event.output_index).text,
          event.content_index ?? 0,
          event.delta
        )
        return
      case "response.content_part.delta": {
        const delta = typeof event.delta === "string" ? event.delta : event.delta.text
        if (typeof delta === "string") {
          const slot = this.slot(event.output_index)
          slot.text = append(slot.text, event.content_index ?? 0, delta)
        }
        return
      }
      case "response.function_call_arguments.delta": {
        const slot = this.slot(event.output_index)
        if (slot.args === undefined) slot.args = [event.delta]
        else slot.args.push(event.delta)
        return
      }
      case "response.reasoning_summary_text.delta": {
        const slot = this.slot(event.output_index)
        slot.summary = append(slot.summary, event.summary_index ?? 0, event.delta)
        return
      }
      case "response.created":
      case "response.in_progress":
      case "response.queued":
        this.snapshot = event.response
        return
      case "response.output_item.added": {
        const slot = this.slot(event.output_index)
        slot.item = event.item
        return
      }
      case "response.output_item.done": {
        const slot = this.slot(event.output_index)
        slot.item = event.item
        slot.done = true
        slot.text =
          slot.refusal =
          slot.reasoning =
          slot.summary =
            undefined
        slot.args = slot.input = undefined
        return
      }
      case "response.output_text.done": {
        const slot = this.slot(event.output_index)
        if (!slot.done) slot.text = replace(slot.text, event.content_index ?? 0, event.text)
        return
      }
      case "response.refusal.delta": {
        const slot = this.slot(event.output_index)
        slot.refusal = append(slot.refusal, event.content_index ?? 0, event.delta)
        return
      }
      case "response.refusal.done": {
        const slot = this.slot(event.output_index)
        if (!slot.done) slot.refusal = replace(slot.refusal, event.content_index ?? 0, event.refusal)
        return
      }
      case "response.reasoning_text.delta": {
        const slot = this.slot(event.output_index)
        slot.reasoning = append(slot.reasoning, event.content_index ?? 0, event.delta)
        return
      }
      case "response.reasoning_summary_text.done": {
        const slot = this.slot(event.output_index)
        if (!slot.done) slot.summary = replace(slot.summary, event.summary_index ?? 0, event.text)
        return
      }
      case "response.function_call_arguments.done": {
        const slot = this.slot(event.output_index)
        if (!slot.done) slot.args = [event.arguments]
        return
      }
      case "response.custom_tool_call_input.delta": {
        const slot = this.slot(event.output_index)
        if (slot.input === undefined) slot.input = [event.delta]
        else slot.input.push(event.delta)
        return
      }
      case "response.custom_tool_call_input.done": {
        const slot = this.slot(event.output_index)
        if (!slot.done) slot.input = [event.input]
        return
      }
      case "response.completed":
      case "response.failed":
      case "response.incomplete":
        this.snapshot = event.response
        this.terminal = event
        return
      case "error":
        this.terminal = event
        return
      default:
        return
    }
  }

  /** Whether a terminal event (`completed`, `failed`, `incomplete`, `error`) was pushed. */
  get finished(): boolean {
    return this.terminal !== undefined
  }

  /** The response assembled so far (any status), or `undefined` before the first snapshot or item. */
  partial(): Response | undefined {
    const snapshot = this.snapshot
    if (snapshot === undefined && this.slots.length === 0) return undefined
    const output = snapshot?.output !== undefined && snapshot.output.length > 0 ? snapshot.output : this.assembled()
    return { ...snapshot, id: snapshot?.id ?? "", output, output_text: outputText(output) }
  }

  /**
   * The outcome: the collected `Response` after `response.completed`; the typed error of a
   * failed, incomplete or `error` terminal event; `StreamInterrupted` when no terminal
   * event was pushed. `now` (epoch ms) dates usage-limit resets.
   */
  result(now: number = Date.now()): Effect.Effect<Response, CodexError> {
    const terminal = this.terminal
    if (terminal === undefined) {
      const id = this.snapshot?.id
      return Effect.fail(
        new StreamInterrupted({ eventsReceived: this.events, ...(id === undefined ? {} : { responseId: id }) })
      )
    }
    const partial = this.partial()
    const error = fromTerminalEvent(terminal, partial, now)
    if (error !== undefined) return Effect.fail(error)
    if (partial === undefined) return Effect.die(new Error("unreachable: a completed response has a snapshot"))
    return Effect.succeed(partial)
  }

  private slot(index: number): Slot {
    let slot = this.slots[index]
    if (slot === undefined) {
      slot = {
        item: undefined,
        done: false,
        text: undefined,
        refusal: undefined,
        reasoning: undefined,
        summary: undefined,
        args: undefined,
        input: undefined
      }
      this.slots[index] = slot
    }
    return slot
  }

  private assembled(): Array<OutputItem> {
    const output: Array<OutputItem> = []
    for (const slot of this.slots) {
      if (slot === undefined) continue
      const item = slot.done ? slot.item : materialize(slot)
      if (item !== undefined) output.push(item)
    }
    return output
  }
}

/** A slot that never received `output_item.done`, as accumulated. */
const materialize = (slot: Slot): OutputItem | undefined => {
  const item = slot.item
  if (item === undefined) {
    if (slot.text === undefined && slot.refusal === undefined) return undefined
    return message({ type: "message", role: "assistant", status: "completed", content: [] }, slot)
  }
  switch (item.type) {
    case "message":
      return message(item, slot)
    case "function_call":
      return slot.args === undefined ? item : { ...item, arguments: slot.args.join("") }
    case "custom_tool_call":
      return slot.input === undefined ? item : { ...item, input: slot.input.join("") }
    case "reasoning": {
      const summary = Array.isArray(item["summary"]) ? item["summary"] : []
      const content = Array.isArray(item["content"]) ? item["content"] : []
      return {
        ...item,
        summary: mergeParts(summary, slot.summary, (_, text, previous) => ({
          ...(isRecord(previous) ? previous : {}),
          type: "summary_text",
          text
        })),
        ...(slot.reasoning === undefined ? {} : {
          content: mergeParts(content, slot.reasoning, (_, text, previous) => ({
            ...(isRecord(previous) ? previous : {}),
            type: "reasoning_text",
            text
          }))
        })
      }
    }
    default:
      return item
  }
}

const message = (item: OutputItem, slot: Slot): OutputItem => {
  const content = Array.isArray(item["content"]) ? item["content"] : []
  const withText = mergeParts(content, slot.text, (_, text, previous) => ({
    annotations: [],
    ...(isRecord(previous) ? previous : {}),
    type: "output_text",
    text
  }))
  return {
    ...item,
    content: mergeParts(withText, slot.refusal, (_, refusal, previous) => ({
      ...(isRecord(previous) ? previous : {}),
      type: "refusal",
      refusal
    }))
  }
}

/**
 * A fresh {@link Collector}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (): Collector => new Collector()

/**
 * Folds the events a `drive` effect pushes into a `Response`. When `drive` fails after the
 * collector saw a terminal event (as `Responses.stream` does after `response.failed`), the
 * collector's own error is returned: it carries the assembled partial response.
 *
 * @since 0.1.0
 * @category collecting
 */
export const fold = <E, R>(
  drive: (push: (events: Iterable<ResponseStreamEvent>) => void) => Effect.Effect<void, E, R>
): Effect.Effect<Response, E | CodexError, R> =>
  Effect.suspend(() => {
    const collector = new Collector()
    const result: Effect.Effect<Response, E | CodexError> = Effect.flatMap(
      Clock.currentTimeMillis,
      (now) => collector.result(now)
    )
    return drive((events) => {
      for (const event of events) collector.push(event)
    }).pipe(
      Effect.matchEffect({
        onFailure: (
          error
        ): Effect.Effect<Response, E | CodexError> => (collector.finished ? result : Effect.fail(error)),
        onSuccess: () => result
      })
    )
  })

/**
 * Runs a stream of events and folds it into a `Response`. Fails with the typed error of a
 * failed, incomplete or `error` terminal event (carrying the partial response), and with
 * `StreamInterrupted` if the stream ends without a terminal event — never returns a
 * truncated response as completed.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ResponseCollector, Responses } from "codex-backend-sdk"
 *
 * const program = Effect.gen(function*() {
 *   const responses = yield* Responses.Responses
 *   const response = yield* ResponseCollector.collect(responses.stream({ input: "Say hi." }))
 *   return response.output_text
 * })
 * ```
 *
 * @since 0.1.0
 * @category collecting
 */
export const collect = <E, R>(
  stream: Stream.Stream<ResponseStreamEvent, E, R>
): Effect.Effect<Response, E | CodexError, R> =>
  fold((push) => Stream.runForEachChunk(stream, (chunk) => Effect.sync(() => push(chunk))))
