/**
 * The emulated `api.openai.com` routes (protocol §11): embeddings and transcriptions.
 *
 * @internal
 */
type Json = Record<string, unknown>

/** A deterministic unit vector of `dimensions` numbers for a text. */
const vector = (text: string, dimensions: number): Array<number> => {
  let seed = 2166136261
  for (let i = 0; i < text.length; i++) seed = Math.imul(seed ^ text.charCodeAt(i), 16777619) >>> 0
  const out: Array<number> = []
  let norm = 0
  for (let i = 0; i < dimensions; i++) {
    seed = Math.imul(seed ^ (seed >>> 15), 2246822519) >>> 0
    const x = (seed / 4294967296) * 2 - 1
    out.push(x)
    norm += x * x
  }
  const scale = 1 / Math.sqrt(norm || 1)
  return out.map((x) => Math.fround(x * scale))
}

/** `POST /v1/embeddings`: `dimensions` numbers per input (1536 by default), float or base64 (§11.1). @internal */
export const embeddings = (body: Json): Json | string => {
  const input = body["input"]
  const texts = typeof input === "string"
    ? [input]
    : Array.isArray(input)
    ? input.map((x) => (typeof x === "string" ? x : JSON.stringify(x)))
    : []
  if (texts.length === 0 || typeof body["model"] !== "string") return "'input' and 'model' are required"
  const dimensions = typeof body["dimensions"] === "number" ? body["dimensions"] : 1536
  const base64 = body["encoding_format"] === "base64"
  const tokens = texts.reduce((n, t) => n + Math.max(1, Math.ceil(t.length / 4)), 0)
  return {
    object: "list",
    data: texts.map((text, index) => {
      const v = vector(text, dimensions)
      return {
        object: "embedding",
        index,
        embedding: base64 ? Buffer.from(new Float32Array(v).buffer).toString("base64") : v
      }
    }),
    model: body["model"],
    usage: { prompt_tokens: tokens, total_tokens: tokens }
  }
}

/** What the emulator "hears" in an audio file: its name, size and type. @internal */
export const transcript = (file: { readonly name: string; readonly type: string; readonly size: number }) =>
  `Emulated transcript of ${file.name} (${file.type}, ${file.size} bytes).`

/**
 * A transcript as the API streams it (`stream: true`): `transcript.text.delta` events a
 * word at a time, then `transcript.text.done` with the whole text. @internal
 */
export const transcriptEvents = (text: string): Array<Record<string, unknown>> => [
  ...(text.match(/\S+\s*/g) ?? []).map((delta) => ({ type: "transcript.text.delta", delta, logprobs: [] })),
  {
    type: "transcript.text.done",
    text,
    logprobs: [],
    usage: {
      type: "tokens",
      input_tokens: 10,
      output_tokens: Math.ceil(text.length / 4),
      total_tokens: 10 + Math.ceil(text.length / 4)
    }
  }
]
