/**
 * Reading `/models` entries into `Model`s (protocol §9).
 *
 * @internal
 */
import { Schema } from "effect"
import type { Model } from "../Models.js"

const ReasoningLevelSchema = Schema.Struct({ effort: Schema.String, description: Schema.optional(Schema.String) })

/** The Codex fields kept on a `Model`, each with the type it must have on the wire. */
const fields = {
  display_name: Schema.String,
  description: Schema.String,
  context_window: Schema.Number,
  supported_in_api: Schema.Boolean,
  supports_reasoning_summaries: Schema.Boolean,
  support_verbosity: Schema.Boolean,
  default_verbosity: Schema.String,
  default_reasoning_level: Schema.String,
  supported_reasoning_levels: Schema.Array(ReasoningLevelSchema),
  auto_compact_token_limit: Schema.Number,
  prefer_websockets: Schema.Boolean,
  input_modalities: Schema.Array(Schema.String),
  available_in_plans: Schema.Array(Schema.String),
  base_instructions: Schema.String,
  priority: Schema.Number
} as const

const fieldChecks = Object.entries(fields).map(([key, schema]) =>
  [key, Schema.is(schema as Schema.Schema<unknown>)] as const
)

/**
 * Reads one wire model (`undefined` without a `slug`). A field with an unexpected type is
 * left out of the typed view (it stays in `raw`) rather than failing the whole catalog:
 * the backend changes without notice.
 *
 * @internal
 */
export const fromWire = (raw: Readonly<Record<string, unknown>>): Model | undefined => {
  const slug = raw["slug"]
  if (typeof slug !== "string" || slug === "") return undefined
  const model: Record<string, unknown> = { id: slug, object: "model", created: 0, owned_by: "openai" }
  for (const [key, is] of fieldChecks) {
    const value = raw[key]
    if (value !== undefined && value !== null && is(value)) model[key] = value
  }
  model["raw"] = raw
  return model as unknown as Model
}

/** `MAJOR.MINOR.PATCH` compared numerically: negative when `a` is older than `b`. @internal */
export const compareVersions = (a: string, b: string): number => {
  const x = a.split(".").map(Number)
  const y = b.split(".").map(Number)
  for (let i = 0; i < 3; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}
