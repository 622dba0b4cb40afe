/**
 * The RFC 6455 framing both ends of the `/responses` WebSocket use: the SDK's client
 * (`responsesSocket.ts`, masked frames) and the emulator's server (`emulator/websocket.ts`,
 * unmasked). Text, binary, continuation, close, ping and pong; no extensions (no
 * `permessage-deflate`).
 *
 * @internal
 */
import { createHash, randomFillSync } from "node:crypto"

/** @internal */
export const Opcode = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const

/** A whole message (fragments joined) or a control frame. @internal */
export interface Message {
  readonly opcode: number
  readonly payload: Buffer
}

/** A peer that broke the framing rules; the connection is closed with `code`. @internal */
export class FrameError extends Error {
  constructor(readonly code: number, message: string) {
    super(message)
  }
}

/** The `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` (RFC 6455 §4.2.2). @internal */
export const acceptKey = (key: string): string =>
  createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64")

/** A fresh `Sec-WebSocket-Key`. @internal */
export const newKey = (): string => randomFillSync(Buffer.alloc(16)).toString("base64")

/**
 * One frame: `fin` false starts or continues a fragmented message. Clients mask
 * (`mask: true`), servers do not.
 *
 * @internal
 */
export const encodeFrame = (opcode: number, payload: Uint8Array, mask: boolean, fin = true): Buffer => {
  const length = payload.length
  const head = length < 126 ? 2 : length < 65536 ? 4 : 10
  const keyAt = head
  const dataAt = head + (mask ? 4 : 0)
  const out = Buffer.allocUnsafe(dataAt + length)
  out[0] = (fin ? 0x80 : 0) | opcode
  if (length < 126) {
    out[1] = length
  } else if (length < 65536) {
    out[1] = 126
    out.writeUInt16BE(length, 2)
  } else {
    out[1] = 127
    out.writeUInt32BE(Math.floor(length / 2 ** 32), 2)
    out.writeUInt32BE(length >>> 0, 6)
  }
  if (!mask) {
    out.set(payload, dataAt)
    return out
  }
  out[1] = (out[1] as number) | 0x80
  randomFillSync(out, keyAt, 4)
  for (let i = 0; i < length; i++) out[dataAt + i] = (payload[i] as number) ^ (out[keyAt + (i & 3)] as number)
  return out
}

/** A close frame's payload: the code and a short reason. @internal */
export const closePayload = (code: number, reason: string): Buffer => {
  const text = Buffer.from(reason.slice(0, 120), "utf8")
  const out = Buffer.allocUnsafe(2 + text.length)
  out.writeUInt16BE(code, 0)
  text.copy(out, 2)
  return out
}

/** The code and reason of a close frame's payload (1005 when it has none). @internal */
export const readClose = (payload: Buffer): { readonly code: number; readonly reason: string } =>
  payload.length < 2
    ? { code: 1005, reason: "" }
    : { code: payload.readUInt16BE(0), reason: payload.subarray(2).toString("utf8") }

/**
 * Reads frames from a byte stream: control frames as they come, data frames joined into
 * messages. Bytes are joined once per frame (never per chunk). Throws `FrameError` on a
 * protocol violation or a message larger than `maxMessageBytes`.
 *
 * @internal
 */
export class FrameReader {
  private chunks: Array<Buffer> = []
  private size = 0
  /** The whole frame's length once its header was read; 0 before. */
  private need = 0
  private fragments: Array<Buffer> | undefined = undefined
  private fragmentsSize = 0
  private fragmentOpcode = 0

  constructor(private readonly maxMessageBytes: number) {}

  push(chunk: Buffer): Array<Message> {
    this.chunks.push(chunk)
    this.size += chunk.length
    const out: Array<Message> = []
    for (;;) {
      if (this.need === 0) {
        if (this.size < 2) break
        const head = this.peek(Math.min(this.size, 14))
        const second = head[1] as number
        const short = second & 0x7f
        const lengthBytes = short === 126 ? 2 : short === 127 ? 8 : 0
        const headerLength = 2 + lengthBytes + ((second & 0x80) !== 0 ? 4 : 0)
        if (this.size < 2 + lengthBytes) break
        const length = short === 126
          ? head.readUInt16BE(2)
          : short === 127
          ? head.readUInt32BE(2) * 2 ** 32 + head.readUInt32BE(6)
          : short
        if (length + this.fragmentsSize > this.maxMessageBytes) {
          throw new FrameError(1009, `a WebSocket message is larger than ${this.maxMessageBytes} bytes`)
        }
        this.need = headerLength + length
      }
      if (this.size < this.need) break
      const frame = this.take(this.need)
      this.need = 0
      const message = this.frame(frame)
      if (message !== undefined) out.push(message)
    }
    return out
  }

  /** The first `n` bytes (joining chunks only when the first is shorter). */
  private peek(n: number): Buffer {
    const first = this.chunks[0] as Buffer
    if (first.length >= n) return first
    const joined = Buffer.concat(this.chunks, this.size)
    this.chunks = [joined]
    return joined
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.size)
    const frame = all.subarray(0, n)
    const rest = all.subarray(n)
    this.chunks = rest.length === 0 ? [] : [rest]
    this.size = rest.length
    return frame
  }

  private frame(frame: Buffer): Message | undefined {
    const first = frame[0] as number
    const second = frame[1] as number
    if ((first & 0x70) !== 0) throw new FrameError(1002, "a WebSocket frame uses an extension that was not negotiated")
    const fin = (first & 0x80) !== 0
    const opcode = first & 0x0f
    const short = second & 0x7f
    let at = 2 + (short === 126 ? 2 : short === 127 ? 8 : 0)
    let payload: Buffer
    if ((second & 0x80) !== 0) {
      const key = frame.subarray(at, at + 4)
      at += 4
      payload = Buffer.from(frame.subarray(at))
      for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (key[i & 3] as number)
    } else {
      payload = frame.subarray(at)
    }
    if (opcode >= 8) {
      if (!fin || payload.length > 125) {
        throw new FrameError(1002, "a WebSocket control frame is fragmented or too long")
      }
      return { opcode, payload }
    }
    if (opcode === Opcode.continuation) {
      if (this.fragments === undefined) throw new FrameError(1002, "a WebSocket continuation frame without a message")
      this.fragments.push(payload)
      this.fragmentsSize += payload.length
      if (!fin) return undefined
      const joined = Buffer.concat(this.fragments, this.fragmentsSize)
      this.fragments = undefined
      this.fragmentsSize = 0
      return { opcode: this.fragmentOpcode, payload: joined }
    }
    if (opcode !== Opcode.text && opcode !== Opcode.binary) {
      throw new FrameError(1002, `unknown WebSocket opcode ${opcode}`)
    }
    if (this.fragments !== undefined) throw new FrameError(1002, "a WebSocket message began inside another")
    if (fin) return { opcode, payload }
    this.fragments = [payload]
    this.fragmentsSize = payload.length
    this.fragmentOpcode = opcode
    return undefined
  }
}
