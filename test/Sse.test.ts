import { assert, describe, it } from "@effect/vitest"
import { SseDecoder } from "../src/internal/sse.js"

const decodeAll = (input: string | Uint8Array, chunkSize: number) => {
  const events: Array<{ data: string; event: string }> = []
  const decoder = new SseDecoder((data, event) => events.push({ data, event }))
  const bytes = typeof input === "string" ? new TextEncoder().encode(input) : input
  for (let i = 0; i < bytes.length; i += chunkSize) decoder.push(bytes.subarray(i, i + chunkSize))
  decoder.end()
  return { events, decoder }
}

const stream = (eol: string) =>
  [
    ": keep-alive comment",
    "event: response.output_text.delta",
    "data: {\"type\":\"response.output_text.delta\",\"delta\":\"héllo 👋 — 世界\"}",
    "",
    "id: 7",
    "retry: 1000",
    "data:{\"a\":1}",
    "",
    "data: line one",
    "data: line two",
    "",
    ""
  ].join(eol)

describe("SseDecoder", () => {
  it("a leading byte-order mark is dropped, at any chunk size; one later in the stream is kept", () => {
    for (const size of [1, 2, 3, 4, 7, 1000]) {
      const { events } = decodeAll("\uFEFFdata: {\"a\":1}\n\ndata: \uFEFFx é\n\n", size)
      assert.deepStrictEqual(events.map((e) => e.data), ["{\"a\":1}", "\uFEFFx é"], `chunk size ${size}`)
    }
  })

  for (const [name, eol] of [["LF", "\n"], ["CRLF", "\r\n"], ["CR", "\r"]] as const) {
    for (const chunkSize of [1, 2, 3, 7, 1024]) {
      it(`${name} framing, ${chunkSize}-byte chunks, multi-byte UTF-8 split across chunks`, () => {
        const { events, decoder } = decodeAll(stream(eol), chunkSize)
        assert.deepStrictEqual(events, [
          {
            data: "{\"type\":\"response.output_text.delta\",\"delta\":\"héllo 👋 — 世界\"}",
            event: "response.output_text.delta"
          },
          { data: "{\"a\":1}", event: "" },
          { data: "line one\nline two", event: "" }
        ])
        assert.strictEqual(decoder.comments, 1)
      })
    }
  }

  it("mixed line endings in one stream", () => {
    const { events } = decodeAll("data: a\r\n\rdata: b\n\r\ndata: c\r\r", 1)
    assert.deepStrictEqual(events.map((e) => e.data), ["a", "b", "c"])
  })

  it("a CRLF split between chunks is one line ending, not two", () => {
    const events: Array<string> = []
    const decoder = new SseDecoder((data) => events.push(data))
    decoder.pushText("data: x\r")
    decoder.pushText("")
    decoder.pushText("\ndata: y\r")
    decoder.pushText("\n\r\n")
    decoder.end()
    assert.deepStrictEqual(events, ["x\ny"])
  })

  it("matches field names exactly: a bare `data` line is an empty data line, `database:` is ignored", () => {
    const { events } = decodeAll("database: no\neventual: no\ndata\ndata: x\n\n", 1024)
    assert.deepStrictEqual(events, [{ data: "\nx", event: "" }])
  })

  it("removes only one space after the colon", () => {
    const { events } = decodeAll("data:  two spaces\n\n", 1024)
    assert.strictEqual(events[0]?.data, " two spaces")
  })

  it("at end of stream, dispatches a pending event only if its data is complete JSON", () => {
    assert.deepStrictEqual(decodeAll("data: {\"type\":\"x\"}", 3).events.map((e) => e.data), ["{\"type\":\"x\"}"])
    assert.deepStrictEqual(decodeAll("data: {\"type\":", 3).events, [])
  })

  it("joins a long line split over many chunks once (linear time)", () => {
    const big = "x".repeat(2_000_000)
    const start = performance.now()
    const { events } = decodeAll(`data: ${big}\n\n`, 64)
    const elapsed = performance.now() - start
    assert.strictEqual(events[0]?.data.length, big.length)
    // 31,250 chunks: a quadratic join would copy ~31 GB and take minutes.
    assert.isBelow(elapsed, 2000)
  })
})

describe("SseDecoder caps (maxEventBytes)", () => {
  it("empty data lines count too: each one's joiner grows the event, so a flood of them hits the cap", () => {
    const decoder = new SseDecoder(() => undefined, 1000)
    // 2,000 empty `data:` lines join into 1,999 newlines: past a 1,000-character cap.
    assert.throws(() => decoder.pushText("data:\n".repeat(2000)), /larger than .*maxEventBytes/)
  })

  it("an event of empty data lines under the cap is still delivered whole", () => {
    const events: Array<string> = []
    const decoder = new SseDecoder((data) => events.push(data), 1000)
    decoder.pushText("data:\n".repeat(3) + "\n")
    assert.deepStrictEqual(events, ["\n\n"])
  })
})
