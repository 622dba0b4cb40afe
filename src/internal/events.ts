/**
 * Bytes → `ResponseStreamEvent`s: the SSE decoder, `JSON.parse`, and a check of only the
 * fields the collector reads. Known events are handed on as the parsed wire objects (no
 * copy, no schema run per event); unknown ones are wrapped in `UnknownEvent`.
 *
 * @internal
 */
import { DecodeError, truncateFrame } from "../CodexError.js"
import type { ResponseStreamEvent } from "../ResponseStreamEvent.js"
import { schemas } from "../ResponseStreamEvent.js"
import { isRecord } from "./jsonGuards.js"
import { SseDecoder } from "./sse.js"

type Kind = "string" | "number" | "object"

const snapshot: ReadonlyArray<readonly [string, Kind]> = [["response", "object"]]
const indexed: ReadonlyArray<readonly [string, Kind]> = [["output_index", "number"]]
const delta: ReadonlyArray<readonly [string, Kind]> = [["output_index", "number"], ["delta", "string"]]

/** The fields each known event must have for the collector to use it. */
const requiredFields: Readonly<Record<string, ReadonlyArray<readonly [string, Kind]>>> = {
  "response.created": snapshot,
  "response.in_progress": snapshot,
  "response.queued": snapshot,
  "response.completed": snapshot,
  "response.failed": snapshot,
  "response.incomplete": snapshot,
  "response.output_item.added": [["output_index", "number"], ["item", "object"]],
  "response.output_item.done": [["output_index", "number"], ["item", "object"]],
  "response.output_text.delta": delta,
  "response.refusal.delta": delta,
  "response.function_call_arguments.delta": delta,
  "response.custom_tool_call_input.delta": delta,
  "response.reasoning_summary_text.delta": delta,
  "response.reasoning_text.delta": delta,
  "response.content_part.delta": indexed,
  "response.content_part.added": indexed,
  "response.content_part.done": indexed,
  "response.output_text.done": indexed,
  "response.function_call_arguments.done": indexed,
  "response.reasoning_summary_part.added": indexed,
  "response.reasoning_summary_part.done": indexed,
  "response.reasoning_summary_text.done": indexed
}

/** Every known type → the checks its events need (most need none). One lookup per event. */
const checks: ReadonlyMap<string, ReadonlyArray<readonly [string, Kind]>> = new Map(
  Object.keys(schemas).map((type) => [type, requiredFields[type] ?? []])
)

const hasKind = (value: unknown, kind: Kind): boolean => kind === "object" ? isRecord(value) : typeof value === kind

/** @internal */
export class EventDecoder {
  /** Events dispatched so far. */
  count = 0
  /** Frames skipped: invalid JSON, non-objects, `[DONE]`. */
  skipped = 0
  /** The first skipped frame, truncated, for the log. */
  firstSkipped: string | undefined = undefined
  private out: Array<ResponseStreamEvent> = []
  private readonly sse: SseDecoder

  /** `maxEventChars`: the cap on one SSE line or event (`CodexConfig.maxEventBytes`). */
  constructor(maxEventChars?: number) {
    this.sse = new SseDecoder((data, name) => this.dispatch(data, name), maxEventChars)
  }

  /** Feeds a chunk; returns the events it completed. Throws `DecodeError` on a malformed known event. */
  push(bytes: Uint8Array): Array<ResponseStreamEvent> {
    this.sse.push(bytes)
    return this.take()
  }

  /**
   * Decodes one whole message (a WebSocket text frame, protocol §13): its event, or a
   * `DecodeError` when it is not a JSON event object (no frame is skipped there).
   */
  message(data: string): Array<ResponseStreamEvent> {
    const skipped = this.skipped
    this.dispatch(data, "")
    if (this.skipped !== skipped) {
      this.skipped = skipped
      throw new DecodeError({ detail: "a WebSocket message is not a JSON event object", frame: truncateFrame(data) })
    }
    return this.take()
  }

  /** Ends the input; returns the events the end completed. */
  end(): Array<ResponseStreamEvent> {
    this.sse.end()
    return this.take()
  }

  private take(): Array<ResponseStreamEvent> {
    const out = this.out
    if (out.length > 0) this.out = []
    return out
  }

  private skip(data: string): void {
    this.skipped++
    if (this.firstSkipped === undefined) this.firstSkipped = truncateFrame(data, 100)
  }

  private dispatch(data: string, name: string): void {
    if (data === "[DONE]") return this.skip(data)
    let json: unknown
    try {
      json = JSON.parse(data)
    } catch {
      return this.skip(data)
    }
    if (!isRecord(json)) return this.skip(data)
    let event: Record<string, unknown> = json
    const wireType = event["type"]
    let type: string
    if (typeof wireType === "string") {
      type = wireType
    } else {
      if (name === "") return this.skip(data)
      type = name
      event = { ...event, type }
    }
    this.count++
    const required = checks.get(type)
    if (required === undefined) {
      this.out.push({ type: "unknown", event: type, data: event })
      return
    }
    for (let k = 0; k < required.length; k++) {
      const [field, kind] = required[k] as readonly [string, Kind]
      if (!hasKind(event[field], kind)) {
        throw new DecodeError({
          detail: `a "${type}" event has no ${kind} "${field}"`,
          frame: truncateFrame(data)
        })
      }
    }
    // The fields the collector reads were checked above; the rest stays as the wire sent it.
    this.out.push(event as ResponseStreamEvent)
  }
}
