import { assert, describe, it } from "@effect/vitest"
import { acceptKey, encodeFrame, FrameError, FrameReader, Opcode } from "../src/internal/websocketFrames.js"

/** Feeds bytes in pieces of `size` and returns every message read. */
const read = (bytes: Buffer, size: number, max = 1 << 24) => {
  const reader = new FrameReader(max)
  const out: Array<{ opcode: number; text: string }> = []
  for (let at = 0; at < bytes.length; at += size) {
    for (const m of reader.push(bytes.subarray(at, at + size))) {
      out.push({ opcode: m.opcode, text: m.payload.toString("utf8") })
    }
  }
  return out
}

describe("WebSocket framing (RFC 6455)", () => {
  it("the handshake's accept key is the RFC's example", () => {
    assert.strictEqual(acceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
  })

  it("masked and unmasked frames of the three length forms read back whole, whatever the chunking", () => {
    for (const length of [0, 125, 126, 65535, 65536, 200_000]) {
      const text = "é".repeat(length / 2) + "x".repeat(length % 2)
      for (const mask of [true, false]) {
        const frame = encodeFrame(Opcode.text, Buffer.from(text), mask)
        for (const size of [1, 7, 4096, frame.length]) {
          if (size === 1 && length > 1000) continue
          const out = read(frame, size)
          assert.strictEqual(out.length, 1)
          assert.strictEqual(out[0]?.text, text, `length ${length}, mask ${mask}, chunks of ${size}`)
        }
      }
    }
  })

  it("fragments join into one message, with a ping between them handed on first", () => {
    const bytes = Buffer.concat([
      encodeFrame(Opcode.text, Buffer.from("hel"), true, false),
      encodeFrame(Opcode.ping, Buffer.from("p"), true),
      encodeFrame(Opcode.continuation, Buffer.from("lo "), true, false),
      encodeFrame(Opcode.continuation, Buffer.from("world"), true, true)
    ])
    assert.deepStrictEqual(read(bytes, 3), [{ opcode: Opcode.ping, text: "p" }, {
      opcode: Opcode.text,
      text: "hello world"
    }])
  })

  it("a message over the cap, a stray continuation or a reserved bit is a FrameError", () => {
    assert.throws(() => read(encodeFrame(Opcode.text, Buffer.alloc(2000), false), 64, 1024), FrameError)
    assert.throws(() => read(encodeFrame(Opcode.continuation, Buffer.from("x"), false), 64), FrameError)
    const compressed = encodeFrame(Opcode.text, Buffer.from("x"), false)
    compressed[0] = (compressed[0] as number) | 0x40
    assert.throws(() => read(compressed, 64), FrameError)
  })
})
