/**
 * The emulated `/models` catalog (protocol §9): every documented field, invented values.
 *
 * @internal
 */
type Json = Record<string, unknown>

const levels = (efforts: ReadonlyArray<string>) =>
  efforts.map((effort) => ({ effort, description: `${effort} reasoning effort` }))

/** The default catalog: three models with every documented field (§9). @internal */
export const models: ReadonlyArray<Json> = [
  {
    slug: "gpt-5.5",
    display_name: "GPT-5.5",
    description: "Latest frontier agentic coding model.",
    visibility: "list",
    supported_in_api: true,
    priority: 0,
    minimal_client_version: "0.120.0",
    available_in_plans: ["plus", "pro", "team", "business", "enterprise", "edu"],
    context_window: 272000,
    max_context_window: 272000,
    auto_compact_token_limit: 244800,
    effective_context_window_percent: 95,
    default_reasoning_level: "medium",
    supported_reasoning_levels: levels(["low", "medium", "high", "xhigh"]),
    supports_reasoning_summaries: true,
    default_reasoning_summary: "auto",
    support_verbosity: true,
    default_verbosity: "medium",
    supports_parallel_tool_calls: true,
    input_modalities: ["text", "image"],
    base_instructions: "You are Codex, a coding agent based on GPT-5.5. (emulated)",
    prefer_websockets: false,
    shell_type: "shell_command",
    truncation_policy: { mode: "tokens", limit: 10000 }
  },
  {
    slug: "gpt-5.4",
    display_name: "GPT-5.4",
    description: "Strong all-round coding model.",
    visibility: "list",
    supported_in_api: false,
    priority: 1,
    available_in_plans: ["plus", "pro", "team", "business", "enterprise", "edu"],
    context_window: 272000,
    auto_compact_token_limit: 244800,
    default_reasoning_level: "medium",
    supported_reasoning_levels: levels(["none", "low", "medium", "high", "xhigh"]),
    supports_reasoning_summaries: true,
    support_verbosity: true,
    default_verbosity: "low",
    supports_parallel_tool_calls: true,
    input_modalities: ["text", "image"],
    base_instructions: "You are Codex, a coding agent based on GPT-5.4. (emulated)",
    prefer_websockets: false
  },
  {
    slug: "gpt-5.4-mini",
    display_name: "GPT-5.4 mini",
    description: "Fast and cheap.",
    visibility: "list",
    supported_in_api: true,
    priority: 2,
    available_in_plans: ["free", "go", "plus", "pro", "team", "business", "enterprise", "edu"],
    context_window: 128000,
    auto_compact_token_limit: 115200,
    default_reasoning_level: "low",
    supported_reasoning_levels: levels(["low", "medium", "high"]),
    supports_reasoning_summaries: false,
    support_verbosity: false,
    default_verbosity: null,
    supports_parallel_tool_calls: false,
    input_modalities: ["text"],
    base_instructions: "You are Codex, a coding agent based on GPT-5.4 mini. (emulated)",
    prefer_websockets: false
  }
]

