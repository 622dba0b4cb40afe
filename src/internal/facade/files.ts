/**
 * Files as openai-node takes them, for the Promise client: `toFile` with openai-node's
 * signature, and the forms `audio.transcriptions.create({ file })` accepts (a path, bytes,
 * a `File`/`Blob`, a fetch `Response`, an `fs.ReadStream` or any async iterable of bytes,
 * `{ name, data, type }`, and the Python SDK's `[name, data, type]` tuple).
 *
 * @since 0.1.0
 */
import * as NodePath from "node:path"
import type * as Audio from "../../Audio.js"

/**
 * The most bytes read from a stream, a `Response` or an async iterable: the audio
 * transcription API's documented upload limit (25 MB).
 *
 * @since 0.1.0
 */
export const maxUploadBytes = 25 * 1024 * 1024

/** A fetch `Response`, or anything with its shape. */
interface ResponseLike {
  readonly url: string
  blob(): Promise<Blob>
}

/**
 * What `toFile` takes: bytes (`Uint8Array`, `ArrayBuffer`, a `Buffer`, a view), a
 * `File`/`Blob`, a fetch `Response`, an `fs.ReadStream` or any async iterable of bytes or
 * strings.
 *
 * @since 0.1.0
 */
export type ToFileInput =
  | Blob
  | ResponseLike
  | ArrayBuffer
  | ArrayBufferView
  | AsyncIterable<Uint8Array | string | ArrayBuffer>

/**
 * The file forms `audio.transcriptions.create({ file })` takes: those of `toFile`, a path,
 * `{ name, data, type }`, and the Python SDK's `[name, data, type]` tuple.
 *
 * @since 0.1.0
 */
export type FileInput =
  | Audio.Uploadable
  | ToFileInput
  | readonly [name: string, data: ToFileInput | string, type?: string]

/** A failure of reading a file input; the facade turns it into `InvalidParameter` for `file`. */
export class FileInputError extends Error {}

const isResponseLike = (value: unknown): value is ResponseLike =>
  typeof value === "object" && value !== null && typeof (value as ResponseLike).url === "string" &&
  typeof (value as ResponseLike).blob === "function"

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === "object" && value !== null &&
  typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function"

/** Collects an async iterable of byte chunks, at most {@link maxUploadBytes}. */
const collect = async (iterable: AsyncIterable<unknown>): Promise<Uint8Array> => {
  const chunks: Array<Uint8Array> = []
  let size = 0
  for await (const chunk of iterable) {
    const bytes = typeof chunk === "string"
      ? new TextEncoder().encode(chunk)
      : chunk instanceof Uint8Array
      ? chunk
      : chunk instanceof ArrayBuffer
      ? new Uint8Array(chunk)
      : undefined
    if (bytes === undefined) throw new FileInputError("a stream chunk is not bytes or a string")
    size += bytes.byteLength
    if (size > maxUploadBytes) throw new FileInputError(`is larger than the upload limit of ${maxUploadBytes} bytes`)
    chunks.push(bytes)
  }
  const out = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    out.set(chunk, at)
    at += chunk.byteLength
  }
  return out
}

/** The file name a value carries: a `File`'s name, a stream's `path`, a `Response`'s last URL segment. */
const nameOf = (value: unknown): string | undefined => {
  if (typeof File !== "undefined" && value instanceof File && value.name !== "") return value.name
  const path = typeof value === "object" && value !== null ? (value as { path?: unknown }).path : undefined
  if (typeof path === "string" || path instanceof Buffer) return NodePath.basename(String(path))
  if (isResponseLike(value)) {
    const last = new URL(value.url, "file:///").pathname.split("/").pop()
    return last === undefined || last === "" ? undefined : decodeURIComponent(last)
  }
  return undefined
}

const bytesOf = async (value: unknown): Promise<Blob | Uint8Array> => {
  if (value instanceof Blob || value instanceof Uint8Array) return value
  if (value instanceof ArrayBuffer) return new Uint8Array(value)
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
  if (isResponseLike(value)) {
    const blob = await value.blob()
    if (blob.size > maxUploadBytes) {
      throw new FileInputError(`is larger than the upload limit of ${maxUploadBytes} bytes`)
    }
    return blob
  }
  if (isAsyncIterable(value)) return collect(value)
  throw new FileInputError(
    "must be a path, bytes, a File/Blob, a fetch Response, an fs.ReadStream (or async iterable of bytes), the result of toFile(...), { name, data, type } or [name, data, type]"
  )
}

/**
 * openai-node's `toFile`: a web `File` from bytes, a `Blob`/`File`, a fetch `Response` or a
 * stream (read fully, at most {@link maxUploadBytes}). The name defaults to the value's own
 * (a `File`'s, a read stream's path, a `Response` URL's last segment), else `"unknown_file"`;
 * `options.type` sets the MIME type.
 *
 * @since 0.1.0
 */
export const toFile = async (
  value: ToFileInput | PromiseLike<ToFileInput>,
  name?: string | null,
  options?: { readonly type?: string; readonly lastModified?: number }
): Promise<File> => {
  const resolved = await value
  const data = await bytesOf(resolved)
  const type = options?.type ?? (data instanceof Blob ? data.type : "")
  return new File([data], name ?? nameOf(resolved) ?? "unknown_file", { ...options, type })
}

/**
 * A file input as `Audio.Uploadable` (what the Effect service takes): paths, bytes, Blobs
 * and `{ name, data, type }` pass through; the rest is read into a `File`.
 *
 * @since 0.1.0
 */
export const toUploadable = async (file: FileInput): Promise<Audio.Uploadable> => {
  if (Array.isArray(file)) {
    const [name, data, type] = file as readonly [unknown, unknown, unknown]
    if (typeof name !== "string") throw new FileInputError("a [name, data, type] tuple needs a string name first")
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : await bytesOf(data)
    return typeof type === "string" ? { name, data: bytes, type } : { name, data: bytes }
  }
  if (typeof file === "string" || file instanceof Uint8Array || file instanceof Blob) return file
  if (typeof file === "object" && file !== null && "data" in file && !isAsyncIterable(file)) {
    const { data, name, type } = file as { readonly data: unknown; readonly name?: unknown; readonly type?: unknown }
    if (data instanceof Uint8Array || data instanceof Blob) return file as Audio.Uploadable
    return {
      data: await bytesOf(data),
      ...(typeof name === "string" ? { name } : {}),
      ...(typeof type === "string" ? { type } : {})
    }
  }
  return toFile(file as ToFileInput)
}
