/**
 * The emulated ChatGPT account routes (protocol §12): WHAM usage, cloud tasks and their
 * turns, environments, memories, custom instructions. Documented shapes, invented values.
 *
 * @internal
 */
type Json = Record<string, unknown>

/** `GET /wham/usage` (§12.1). @internal */
export const usage = (now: number): Json => ({
  plan_type: "plus",
  rate_limit: {
    allowed: true,
    limit_reached: false,
    primary_window: {
      used_percent: 42,
      limit_window_seconds: 18000,
      reset_after_seconds: 9000,
      reset_at: Math.floor(now / 1000) + 9000
    },
    secondary_window: {
      used_percent: 12,
      limit_window_seconds: 604800,
      reset_after_seconds: 513000,
      reset_at: Math.floor(now / 1000) + 513000
    }
  },
  credits: {
    has_credits: false,
    unlimited: false,
    balance: "0",
    approx_local_messages: [0, 0],
    approx_cloud_messages: [0, 0]
  },
  additional_rate_limits: [],
  rate_limit_reached_type: null,
  spend_control: { reached: false }
})

const turn = (id: string, role: string, text: string) => ({
  id,
  role,
  turn_status: "completed",
  input_items: role === "user" ? [{ type: "message", role: "user", content: [{ content_type: "text", text }] }] : [],
  output_items: role === "assistant"
    ? [{ type: "message", role: "assistant", content: [{ content_type: "text", text }] }]
    : []
})

/** Two cloud tasks with their turns (§12.2). @internal */
export const tasks: Readonly<Record<string, { readonly task: Json; readonly turns: ReadonlyArray<Json> }>> = {
  task_e_1: {
    task: {
      id: "task_e_1",
      title: "Fix the flaky test",
      environment_id: "env_1",
      archived: false,
      has_unread_turn: false
    },
    turns: [
      turn("turn_u_1", "user", "Fix the flaky test in ci.yml"),
      turn("turn_a_1", "assistant", "Done: added a retry."),
      turn("turn_a_2", "assistant", "Alternative: pin the clock.")
    ]
  },
  task_e_2: {
    task: {
      id: "task_e_2",
      title: "Add a README badge",
      environment_id: "env_2",
      archived: false,
      has_unread_turn: true
    },
    turns: [turn("turn_u_9", "user", "Add a CI badge"), turn("turn_a_9", "assistant", "Added the badge.")]
  }
}

/** `GET /wham/tasks/list`, filtered and paged as the query says. @internal */
export const taskList = (query: URLSearchParams): Json => {
  const environment = query.get("environment_id")
  const all = Object.values(tasks).map((t) => t.task).filter((t) =>
    environment === null || t["environment_id"] === environment
  )
  const start = Number(query.get("cursor") ?? "0") || 0
  const limit = Number(query.get("limit") ?? "20") || 20
  const items = all.slice(start, start + limit)
  return { items, cursor: start + limit < all.length ? String(start + limit) : null }
}

/** `GET /wham/tasks/{id}`. @internal */
export const taskDetail = (id: string): Json | undefined => {
  const entry = tasks[id]
  if (entry === undefined) return undefined
  const user = entry.turns.find((t) => t["role"] === "user")
  const assistant = entry.turns.find((t) => t["role"] === "assistant")
  return {
    task: entry.task,
    current_user_turn: user ?? null,
    current_assistant_turn: assistant ?? null,
    current_diff_task_turn: null
  }
}

/** `GET /wham/tasks/{id}/turns`. @internal */
export const taskTurns = (id: string): Json | undefined => {
  const entry = tasks[id]
  if (entry === undefined) return undefined
  const mapping: Json = {}
  for (const t of entry.turns) mapping[String(t["id"])] = t
  return { turn_mapping: mapping, current_turn_id: entry.turns[entry.turns.length - 1]?.["id"] ?? null }
}

/** `GET /wham/tasks/{id}/turns/{turn}/sibling_turns`: the other turns of the same role. @internal */
export const siblingTurns = (id: string, turnId: string): Json | undefined => {
  const entry = tasks[id]
  const self = entry?.turns.find((t) => t["id"] === turnId)
  if (entry === undefined || self === undefined) return undefined
  return { sibling_turns: entry.turns.filter((t) => t["role"] === self["role"] && t["id"] !== turnId) }
}

/** `GET /wham/environments`: a bare array. @internal */
export const environments: ReadonlyArray<Json> = [
  {
    id: "env_1",
    label: "acme/api",
    is_pinned: true,
    task_count: 1,
    repo_map: { "acme/api": { default_branch: "main" } }
  },
  {
    id: "env_2",
    label: "acme/web",
    is_pinned: false,
    task_count: 1,
    repo_map: { "acme/web": { default_branch: "main" } }
  }
]

/** `GET /memories`. @internal */
export const memories: Json = {
  memories: [
    { id: "mem_1", content: "Prefers TypeScript with Effect.", updated_at: "2026-11-20T10:00:00Z", status: "active" },
    {
      id: "mem_2",
      content: "Works on an SDK for the Codex backend.",
      updated_at: "2026-11-28T16:30:00Z",
      status: "active"
    }
  ],
  memory_max_tokens: 2000,
  memory_num_tokens: 21
}

/** `GET /user_system_messages`. @internal */
export const userSystemMessages: Json = {
  object: "user_system_message_detail",
  enabled: true,
  about_user_message: "I write TypeScript.",
  about_model_message: "Be concise.",
  traits_model_message: null,
  disabled_tools: [],
  personality: "default"
}
