/**
 * A server-sent-events decoder (WHATWG rules, protocol §5.1), tuned for the hot path:
 * incremental UTF-8, any mix of LF / CRLF / lone CR line endings (also split across
 * chunks), comments, multi-line `data`, and work linear in the input (a line split over
 * many chunks is joined once, never re-concatenated per chunk).
 *
 * @internal
 */

/** Receives one dispatched event: its joined `data` and its `event:` name ("" when none). @internal */
export type OnEvent = (data: string, event: string) => void

const LF = 10
const CR = 13

/** @internal */
export class SseDecoder {
  private readonly utf8 = new TextDecoder("utf-8")
  /** Pieces of a line not yet terminated. */
  private partial: Array<string> = []
  /** The previous chunk ended in CR: a leading LF of the next chunk belongs to it. */
  private pendingCR = false
  private data: string | undefined = undefined
  private dataLines: Array<string> | undefined = undefined
  private eventName = ""
  /** Comment lines seen (keep-alives). */
  comments = 0

  constructor(private readonly onEvent: OnEvent) {}

  /** Feeds one chunk of bytes. */
  push(bytes: Uint8Array): void {
    this.pushText(this.utf8.decode(bytes, { stream: true }))
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
    // Both positions are cached and searched again only once passed, so a chunk with only
    // one kind of line ending is scanned once, not once per line.
    let nextCR = text.indexOf("\r", i)
    let nextLF = text.indexOf("\n", i)
    while (i < len) {
      if (nextLF !== -1 && nextLF < i) nextLF = text.indexOf("\n", i)
      if (nextCR !== -1 && nextCR < i) nextCR = text.indexOf("\r", i)
      let end: number
      if (nextLF === -1 && nextCR === -1) {
        this.partial.push(i === 0 ? text : text.slice(i))
        return
      } else if (nextLF === -1) end = nextCR
      else if (nextCR === -1) end = nextLF
      else end = nextLF < nextCR ? nextLF : nextCR
      let line: string
      if (this.partial.length === 0) {
        line = text.slice(i, end)
      } else {
        this.partial.push(text.slice(i, end))
        line = this.partial.join("")
        this.partial = []
      }
      this.line(line)
      if (text.charCodeAt(end) === CR) {
        if (end + 1 < len) {
          if (text.charCodeAt(end + 1) === LF) end++
        } else {
          this.pendingCR = true
        }
      }
      i = end + 1
    }
  }

  /**
   * Ends the input: flushes the UTF-8 decoder and the last unterminated line, then
   * dispatches a pending event if its data is complete JSON (a leniency of §5.1.5).
   */
  end(): void {
    const rest = this.utf8.decode()
    if (rest.length > 0) this.pushText(rest)
    if (this.partial.length > 0) {
      const line = this.partial.join("")
      this.partial = []
      this.line(line)
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
    return data
  }

  private line(line: string): void {
    if (line.length === 0) {
      const data = this.takeData()
      const event = this.eventName
      this.eventName = ""
      if (data !== undefined) this.onEvent(data, event)
      return
    }
    const colon = line.indexOf(":")
    if (colon === 0) {
      this.comments++
      return
    }
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? "" : line.slice(colon + 1)
    if (value.charCodeAt(0) === 32) value = value.slice(1)
    if (field === "data") {
      if (this.data === undefined) this.data = value
      else if (this.dataLines === undefined) this.dataLines = [this.data, value]
      else this.dataLines.push(value)
    } else if (field === "event") {
      this.eventName = value
    }
  }
}
