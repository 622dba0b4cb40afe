/**
 * How the emulator reads a request body: JSON, multipart form data (files summarised as
 * `{ name, type, size }`), or text.
 *
 * @internal
 */
import * as Zlib from "node:zlib"
import { isRecord } from "../jsonGuards.js"

/** zstd, where the runtime has it (Node 22.15+, 23.8+; not Node 20). */
const zstd = (Zlib as { readonly zstdDecompressSync?: (buffer: Uint8Array) => Buffer }).zstdDecompressSync

/** The request body decoders, by `Content-Encoding` (§3: the CLI may send zstd). */
const decoders: Readonly<Record<string, ((buffer: Uint8Array) => Buffer) | undefined>> = {
  gzip: Zlib.gunzipSync,
  "x-gzip": Zlib.gunzipSync,
  deflate: Zlib.inflateSync,
  br: Zlib.brotliDecompressSync,
  zstd
}

/**
 * A request body with its `Content-Encoding` undone (several codings: last applied, first
 * undone), or the message for a 415 when a coding is unknown, unavailable or corrupt.
 *
 * @internal
 */
export const decodeBody = (
  bytes: ArrayBuffer,
  contentEncoding: string
): ArrayBuffer | { readonly unsupported: string } => {
  const codings = contentEncoding.split(",").map((c) => c.trim().toLowerCase()).filter((c) =>
    c !== "" && c !== "identity"
  )
  let body: Uint8Array = new Uint8Array(bytes)
  for (const coding of codings.reverse()) {
    const decode = decoders[coding]
    if (decode === undefined) {
      return {
        unsupported: coding === "zstd"
          ? `Content-Encoding zstd needs a Node runtime with zlib zstd (22.15+); this one is ${process.version}. Send the body uncompressed or gzip it.`
          : `Unsupported Content-Encoding: ${coding} (gzip, deflate, br${zstd === undefined ? "" : ", zstd"} are)`
      }
    }
    try {
      body = decode(body)
    } catch {
      return { unsupported: `The body is not valid ${coding} data` }
    }
  }
  return body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer
}

/** A file part of a multipart body, as the emulator records it. @internal */
export interface UploadedFile {
  readonly name: string
  readonly type: string
  readonly size: number
}

/** @internal */
export const isUploadedFile = (u: unknown): u is UploadedFile =>
  isRecord(u) && typeof u["name"] === "string" && typeof u["type"] === "string" && typeof u["size"] === "number"

/** The parsed body: a JSON value, a multipart form as a record, or the raw text. @internal */
export const parseBody = async (bytes: ArrayBuffer, contentType: string): Promise<unknown> => {
  if (contentType.startsWith("multipart/form-data")) {
    try {
      const form = await new Response(bytes, { headers: { "content-type": contentType } }).formData()
      const out: Record<string, unknown> = {}
      form.forEach((value, key) => {
        out[key] = typeof value === "string" ? value : { name: value.name, type: value.type, size: value.size }
      })
      return out
    } catch {
      return "<malformed multipart body>"
    }
  }
  const text = new TextDecoder().decode(bytes)
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
