/**
 * A server-sent-events decoder (WHATWG rules, protocol §5.1), tuned for the hot path:
 * incremental UTF-8, any mix of LF / CRLF / lone CR line endings (also split across
 * chunks), comments, multi-line `data`, and work linear in the input (a line split over
 * many chunks is joined once, never re-concatenated per chunk). A pending line or event
 * larger than the cap throws `DecodeError` instead of growing without limit (the check is
 * an integer comparison per chunk and per data line; every data line and its joining
 * newline count, empty ones included).
 *
 * @internal
 */
import { DecodeError } from "../CodexError.js"
import { formatBytes } from "./formatBytes.js"

/** Receives one dispatched event: its joined `data` and its `event:` name ("" when none). @internal */
export type OnEvent = (data: string, event: string) => void

const LF = 10
const CR = 13
const COLON = 58
const SPACE = 32
const D = 100
const E = 101

/**
 * Decodes whole chunks (those ending in an ASCII byte, i.e. not inside a multi-byte
 * character: nearly every SSE chunk, which ends in a blank line) with no state, shared by
 * every decoder; a per-stream decoder is made only for a chunk that ends mid-character.
 */
const wholeChunks = new TextDecoder("utf-8", { ignoreBOM: true })
const streaming = { stream: true } as const

/** @internal */
export class SseDecoder {
  /** Made on the first chunk that ends inside a multi-byte character, then used for the rest. */
  private utf8: InstanceType<typeof TextDecoder> | undefined = undefined
  private started = false
  /** Pieces of a line not yet terminated. */
  private partial: Array<string> = []
  /** The previous chunk ended in CR: a leading LF of the next chunk belongs to it. */
  private pendingCR = false
  private data: string | undefined = undefined
  private dataLines: Array<string> | undefined = undefined
  private eventName = ""
  /** Characters in `partial`. */
  private partialLength = 0
  /** Characters of `data` gathered for the pending event. */
  private dataLength = 0
  /** Comment lines seen (keep-alives). */
  comments = 0

  /** `maxChars`: the cap on a pending line and on an event's data (default: none). */
  constructor(private readonly onEvent: OnEvent, private readonly maxChars = Number.POSITIVE_INFINITY) {}

  private overflow(): never {
    this.partial = []
    this.partialLength = 0
    this.data = undefined
    this.dataLines = undefined
    this.dataLength = 0
    throw new DecodeError({
      detail: `an SSE line or event is larger than ${formatBytes(this.maxChars)} (maxEventBytes)`
    })
  }

  /** Feeds one chunk of bytes. */
  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return
    let utf8 = this.utf8
    if (utf8 === undefined) {
      // A stream that may start with a byte-order mark gets the decoder that drops it.
      const first = !this.started && bytes[0] === 0xef
      this.started = true
      if (!first && (bytes[bytes.length - 1] ?? 0) < 0x80) return this.pushText(wholeChunks.decode(bytes))
      utf8 = new TextDecoder("utf-8", { ignoreBOM: !first })
      this.utf8 = utf8
    }
    this.pushText(utf8.decode(bytes, streaming))
  }

  /** Feeds decoded text (used by `push`, and directly by tests). */
  pushText(text: string): void {
    const len = text.length
    if (len === 0) return
    let i = 0
    if (this.pendingCR) {
      this.pendingCR = false
      if (text.charCodeAt(0) === LF) i = 1
    }
    if (text.indexOf("\r", i) === -1) {
      // The usual case: LF line endings only. Keep the found index and its `-1` check
      // adjacent: V8 then keeps `indexOf` on its fast path (a combined check made this
      // loop ~70 times slower).
      for (;;) {
        const end = text.indexOf("\n", i)
        if (end === -1) break
        this.lineOf(text, i, end)
        i = end + 1
      }
    } else {
      // CR or CRLF somewhere in this chunk: scan character by character.
      let start = i
      for (; i < len; i++) {
        const c = text.charCodeAt(i)
        if (c !== LF && c !== CR) continue
        this.lineOf(text, start, i)
        if (c === CR) {
          if (i + 1 === len) this.pendingCR = true
          else if (text.charCodeAt(i + 1) === LF) i++
        }
        start = i + 1
      }
      i = start
    }
    if (i < len) {
      this.partial.push(i === 0 ? text : text.slice(i))
      this.partialLength += len - i
      if (this.partialLength > this.maxChars) this.overflow()
    }
  }

  /** A line ends at `end`: join it with the pieces from earlier chunks, if any. */
  private lineOf(text: string, start: number, end: number): void {
    if (this.partial.length === 0) {
      this.line(text, start, end)
    } else {
      this.partial.push(text.slice(start, end))
      const line = this.partial.join("")
      this.partial = []
      this.partialLength = 0
      this.line(line, 0, line.length)
    }
  }

  /**
   * Ends the input: flushes the UTF-8 decoder and the last unterminated line, then
   * dispatches a pending event if its data is complete JSON (a leniency of §5.1.5).
   */
  end(): void {
    const rest = this.utf8 === undefined ? "" : this.utf8.decode()
    if (rest.length > 0) this.pushText(rest)
    if (this.partial.length > 0) {
      const line = this.partial.join("")
      this.partial = []
      this.partialLength = 0
      this.line(line, 0, line.length)
    }
    const data = this.takeData()
    if (data !== undefined) {
      try {
        JSON.parse(data)
      } catch {
        return
      }
      this.onEvent(data, this.eventName)
    }
  }

  private takeData(): string | undefined {
    const data = this.dataLines !== undefined ? this.dataLines.join("\n") : this.data
    this.data = undefined
    this.dataLines = undefined
    this.dataLength = 0
    return data
  }

  /** Handles the line `text[start, end)`, read in place (no slice but the value kept). */
  private line(text: string, start: number, end: number): void {
    if (start === end) {
      const data = this.takeData()
      const event = this.eventName
      this.eventName = ""
      if (data !== undefined) this.onEvent(data, event)
      return
    }
    const first = text.charCodeAt(start)
    if (first === COLON) {
      this.comments++
      return
    }
    let field: "data" | "event"
    if (first === D && text.startsWith("data", start)) field = "data"
    else if (first === E && text.startsWith("event", start)) field = "event"
    else return // id, retry and unknown fields are ignored
    let at = start + field.length
    if (at < end) {
      if (text.charCodeAt(at) !== COLON) return // a longer field name, e.g. "database"
      at++
      if (at < end && text.charCodeAt(at) === SPACE) at++
    }
    const value = text.slice(at, end)
    if (field === "data") {
      // Every line counts, with the newline that will join it to the previous one: a flood
      // of empty `data:` lines is as bounded as one long line.
      this.dataLength += this.data === undefined ? value.length : value.length + 1
      if (this.dataLength > this.maxChars) this.overflow()
    }
    if (field === "event") {
      this.eventName = value
    } else if (this.data === undefined) this.data = value
    else if (this.dataLines === undefined) this.dataLines = [this.data, value]
    else this.dataLines.push(value)
  }
}
