/**
 * How the emulator reads a request body: JSON, multipart form data (files summarised as
 * `{ name, type, size }`), or text.
 *
 * @internal
 */
import { isRecord } from "../json.js"

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
