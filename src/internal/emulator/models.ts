/**
 * The emulated `/models` catalog (protocol §9): every field the Codex CLI's `ModelInfo`
 * requires (a catalog missing one is thrown away whole by the CLI), with realistic values,
 * served per `client_version`.
 *
 * @internal
 */
import { compareVersions } from "../modelCatalog.js"

type Json = Record<string, unknown>

const levels = (efforts: ReadonlyArray<string>) =>
  efforts.map((effort) => ({ effort, description: `${effort} reasoning effort` }))

/** The fields every model shares: the CLI's required ones with their usual values. */
const common = {
  visibility: "list",
  upgrade: null,
  apply_patch_tool_type: "freeform",
  experimental_supported_tools: [],
  truncation_policy: { mode: "tokens", limit: 10000 },
  effective_context_window_percent: 95,
  prefer_websockets: false
} as const

/** The default catalog: four models, one of them for newer clients than 0.169 only (§9). @internal */
export const models: ReadonlyArray<Json> = [
  {
    ...common,
    slug: "gpt-5.5",
    display_name: "GPT-5.5",
    description: "Latest frontier agentic coding model.",
    supported_in_api: true,
    priority: 0,
    minimal_client_version: "0.120.0",
    available_in_plans: ["plus", "pro", "team", "business", "enterprise", "edu"],
    context_window: 272000,
    max_context_window: 272000,
    auto_compact_token_limit: 244800,
    default_reasoning_level: "medium",
    supported_reasoning_levels: levels(["low", "medium", "high", "xhigh"]),
    supports_reasoning_summaries: true,
    default_reasoning_summary: "auto",
    support_verbosity: true,
    default_verbosity: "medium",
    supports_parallel_tool_calls: true,
    input_modalities: ["text", "image"],
    base_instructions: "You are Codex, a coding agent based on GPT-5.5. (emulated)",
    shell_type: "shell_command",
    // The CLI's default transport for this model is the WebSocket route (§13).
    prefer_websockets: true
  },
  {
    ...common,
    slug: "gpt-5.4",
    display_name: "GPT-5.4",
    description: "Strong all-round coding model.",
    supported_in_api: false,
    priority: 1,
    minimal_client_version: "0.98.0",
    available_in_plans: ["plus", "pro", "team", "business", "enterprise", "edu"],
    context_window: 272000,
    max_context_window: 272000,
    auto_compact_token_limit: 244800,
    default_reasoning_level: "medium",
    supported_reasoning_levels: levels(["none", "low", "medium", "high", "xhigh"]),
    supports_reasoning_summaries: true,
    default_reasoning_summary: "auto",
    support_verbosity: true,
    default_verbosity: "low",
    supports_parallel_tool_calls: true,
    input_modalities: ["text", "image"],
    base_instructions: "You are Codex, a coding agent based on GPT-5.4. (emulated)",
    shell_type: "shell_command"
  },
  {
    ...common,
    slug: "gpt-5.4-mini",
    display_name: "GPT-5.4 mini",
    description: "Fast and cheap.",
    supported_in_api: true,
    priority: 2,
    minimal_client_version: "0.98.0",
    available_in_plans: ["free", "go", "plus", "pro", "team", "business", "enterprise", "edu"],
    context_window: 128000,
    max_context_window: 128000,
    auto_compact_token_limit: 115200,
    default_reasoning_level: "low",
    supported_reasoning_levels: levels(["low", "medium", "high"]),
    supports_reasoning_summaries: false,
    support_verbosity: false,
    default_verbosity: null,
    supports_parallel_tool_calls: false,
    input_modalities: ["text"],
    base_instructions: "You are Codex, a coding agent based on GPT-5.4 mini. (emulated)",
    shell_type: "shell_command",
    truncation_policy: { mode: "bytes", limit: 10000 }
  },
  {
    ...common,
    slug: "gpt-5.6-sol",
    display_name: "GPT-5.6 Sol",
    description: "Preview model for newer clients.",
    supported_in_api: false,
    priority: 3,
    minimal_client_version: "0.175.0",
    available_in_plans: ["pro", "enterprise"],
    context_window: 400000,
    max_context_window: 400000,
    auto_compact_token_limit: 360000,
    default_reasoning_level: "medium",
    supported_reasoning_levels: levels(["low", "medium", "high", "xhigh", "max"]),
    supports_reasoning_summaries: true,
    default_reasoning_summary: "auto",
    support_verbosity: true,
    default_verbosity: "medium",
    supports_parallel_tool_calls: true,
    input_modalities: ["text", "image"],
    base_instructions: "You are Codex, a coding agent based on GPT-5.6 Sol. (emulated)",
    shell_type: "shell_command"
  }
]

/** The models a client of `clientVersion` is served: those whose `minimal_client_version` it meets (§9). @internal */
export const forClient = (catalog: ReadonlyArray<Json>, clientVersion: string): ReadonlyArray<Json> =>
  catalog.filter((model) => {
    const minimal = model["minimal_client_version"]
    return typeof minimal !== "string" || compareVersions(clientVersion, minimal) >= 0
  })
