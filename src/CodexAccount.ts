/**
 * The ChatGPT account around Codex (protocol §12, the Python SDK's `client.codex`): usage and
 * rate-limit status (`/wham/usage`), Codex cloud tasks and their turns, environments,
 * memories and the user's custom instructions.
 *
 * `usage()` is typed (with the wire's names; unknown fields kept). The other payloads are
 * account-specific and change without notice: they come back as the backend's JSON, typed
 * as read-only records. Memories and custom instructions are personal data: never log them.
 *
 * @example
 * ```ts
 * import { Console, Effect } from "effect"
 * import { CodexAccount } from "codex-backend-sdk"
 *
 * const program = Effect.gen(function*() {
 *   const account = yield* CodexAccount.CodexAccount
 *   const usage = yield* account.usage()
 *   yield* Console.log(usage.plan_type, usage.rate_limit?.primary_window?.used_percent)
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Schema } from "effect"
import type { CodexAuth } from "./CodexAuth.js"
import type { CodexConfig } from "./CodexConfig.js"
import type { CodexError } from "./CodexError.js"
import { DecodeError, InvalidParameter } from "./CodexError.js"
import type { CodexTransport } from "./CodexTransport.js"
import { replyMeta } from "./internal/errors.js"
import { makeBackend, readJson, withDeadline } from "./internal/http.js"
import { isRecord } from "./internal/jsonGuards.js"
import { decodeLenient } from "./internal/lenient.js"
import { joinUrl } from "./internal/wire.js"

const Extra = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/**
 * A usage window of `/wham/usage`.
 *
 * @since 0.1.0
 * @category models
 */
export const UsageWindow = Schema.Struct({
  /** Absent when the backend sent none, or not a number. */
  used_percent: Schema.optional(Schema.Number),
  limit_window_seconds: Schema.optional(Schema.NullOr(Schema.Number)),
  reset_after_seconds: Schema.optional(Schema.NullOr(Schema.Number)),
  /** Epoch seconds. */
  reset_at: Schema.optional(Schema.NullOr(Schema.Number))
}, Extra)

/**
 * @since 0.1.0
 * @category models
 */
export type UsageWindow = typeof UsageWindow.Type

/**
 * The rate-limit status of one limit family.
 *
 * @since 0.1.0
 * @category models
 */
export const UsageRateLimit = Schema.Struct({
  allowed: Schema.optional(Schema.NullOr(Schema.Boolean)),
  limit_reached: Schema.optional(Schema.NullOr(Schema.Boolean)),
  /** The short window (`null` when the plan has none). */
  primary_window: Schema.optional(Schema.NullOr(UsageWindow)),
  /** The long window (`null` when the plan has none). */
  secondary_window: Schema.optional(Schema.NullOr(UsageWindow))
}, Extra)

/**
 * @since 0.1.0
 * @category models
 */
export type UsageRateLimit = typeof UsageRateLimit.Type

/**
 * `GET /wham/usage` (§12.1): the plan, its rate-limit windows, credits, and any additional
 * limit families. `plan_type` is kept verbatim (the WHAM vocabulary is wider than the
 * JWT's); unknown fields are kept. `usage()` decodes leniently: a known field of an
 * unexpected type is left out (and logged), never a failure; the payload as sent is `raw`.
 *
 * @since 0.1.0
 * @category models
 */
export const Usage = Schema.Struct({
  plan_type: Schema.optional(Schema.NullOr(Schema.String)),
  rate_limit: Schema.optional(Schema.NullOr(UsageRateLimit)),
  credits: Schema.optional(Schema.NullOr(Schema.Struct({
    has_credits: Schema.optional(Schema.NullOr(Schema.Boolean)),
    unlimited: Schema.optional(Schema.NullOr(Schema.Boolean)),
    /** A decimal string on the wire (its shape is not pinned down). */
    balance: Schema.optional(Schema.NullOr(Schema.Union(Schema.String, Schema.Number)))
  }, Extra))),
  additional_rate_limits: Schema.optional(Schema.NullOr(Schema.Array(Schema.Struct({
    limit_name: Schema.optional(Schema.NullOr(Schema.String)),
    metered_feature: Schema.optional(Schema.NullOr(Schema.String)),
    rate_limit: Schema.optional(Schema.NullOr(UsageRateLimit))
  }, Extra)))),
  /** `null`, or `{ type }` with e.g. `rate_limit_reached` or `workspace_member_credits_depleted`. */
  rate_limit_reached_type: Schema.optional(Schema.NullOr(Schema.Struct({ type: Schema.String }, Extra)))
}, Extra)

/**
 * @since 0.1.0
 * @category models
 */
export type Usage = typeof Usage.Type & {
  /** The payload as the backend sent it (what the Python SDK returns). */
  readonly raw: JsonObject
}

/**
 * A JSON object as the backend sent it.
 *
 * @since 0.1.0
 * @category models
 */
export type JsonObject = Readonly<Record<string, unknown>>

/**
 * The filters of `tasks.list` (values of `task_filter` and the end-of-list `cursor` are
 * unverified, §15).
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskListParams {
  readonly limit?: number
  readonly cursor?: string
  readonly task_filter?: string
  readonly environment_id?: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** `GET /wham/usage`: plan, windows, credits. A 2xx also proves the token works. */
  readonly usage: () => Effect.Effect<Usage, CodexError>
  readonly tasks: {
    /** `GET /wham/tasks/list`: `{ items, cursor }`. */
    readonly list: (params?: TaskListParams) => Effect.Effect<JsonObject, CodexError>
    /** `GET /wham/tasks/{taskId}`. */
    readonly retrieve: (taskId: string) => Effect.Effect<JsonObject, CodexError>
    readonly turns: {
      /** `GET /wham/tasks/{taskId}/turns`: `{ turn_mapping, current_turn_id }`. */
      readonly list: (taskId: string) => Effect.Effect<JsonObject, CodexError>
      /** `GET /wham/tasks/{taskId}/turns/{turnId}/sibling_turns`: `{ sibling_turns }`. */
      readonly siblingTurns: (taskId: string, turnId: string) => Effect.Effect<JsonObject, CodexError>
    }
  }
  readonly environments: {
    /** `GET /wham/environments`: the backend answers with a bare array. */
    readonly list: () => Effect.Effect<ReadonlyArray<JsonObject>, CodexError>
  }
  readonly memories: {
    /** `GET /memories`: `{ memories, memory_max_tokens, memory_num_tokens }`. */
    readonly list: () => Effect.Effect<JsonObject, CodexError>
  }
  readonly userSystemMessages: {
    /** `GET /user_system_messages`: the user's custom instructions and personality settings. */
    readonly retrieve: () => Effect.Effect<JsonObject, CodexError>
  }
}

/**
 * @since 0.1.0
 * @category tags
 */
export class CodexAccount extends Context.Tag("codex-backend-sdk/CodexAccount")<CodexAccount, Service>() {}

/**
 * `usage` without first taking the service from the context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const usage = (): Effect.Effect<Usage, CodexError, CodexAccount> =>
  Effect.flatMap(CodexAccount, (account) => account.usage())

/**
 * An id as one path segment: encoded, and never a dot segment that would climb to another
 * route, nor a string with a lone surrogate (which `encodeURIComponent` cannot encode).
 */
/** With the `u` flag a surrogate matches only when it is not half of a pair. */
const loneSurrogate = /[\uD800-\uDFFF]/u

const segment = (parameter: string, value: unknown): Effect.Effect<string, InvalidParameter> =>
  typeof value !== "string" || value === ""
    ? Effect.fail(new InvalidParameter({ parameter, detail: "must be a non-empty string" }))
    : value === "." || value === ".." || loneSurrogate.test(value)
    ? Effect.fail(new InvalidParameter({ parameter, detail: `${JSON.stringify(value)} is not an id` }))
    : Effect.succeed(encodeURIComponent(value))

const isObjectArray = (u: unknown): u is ReadonlyArray<JsonObject> => Array.isArray(u) && u.every(isRecord)

const listQuery = (params: TaskListParams): Effect.Effect<string, InvalidParameter> => {
  const query = new URLSearchParams()
  if (params.limit !== undefined) {
    if (!(Number.isInteger(params.limit) && params.limit > 0)) {
      return Effect.fail(new InvalidParameter({ parameter: "limit", detail: "must be a whole number > 0" }))
    }
    query.set("limit", String(params.limit))
  }
  for (const key of ["cursor", "task_filter", "environment_id"] as const) {
    const value = params[key]
    if (value === undefined) continue
    if (typeof value !== "string") {
      return Effect.fail(new InvalidParameter({ parameter: key, detail: "must be a string" }))
    }
    query.set(key, value)
  }
  const text = query.toString()
  return Effect.succeed(text === "" ? "" : `?${text}`)
}

/**
 * Builds the live service.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Service, never, CodexConfig | CodexAuth | CodexTransport> = Effect.gen(function*() {
  const backend = yield* makeBackend
  const config = backend.config
  const base = config.chatgptBaseUrl

  /** GETs a route of `{chatgpt}`; `route` names it in errors (no ids, no query). */
  const get = (route: string, path: string) => {
    const call = {
      endpoint: `GET ${route}`,
      url: joinUrl(base, path),
      method: "GET",
      accept: "application/json"
    } as const
    return Effect.gen(function*() {
      const response = yield* backend.send(call)
      const json = yield* readJson(call, response, config.maxEventBytes)
      return { json, meta: replyMeta(response), endpoint: call.endpoint }
    }).pipe(withDeadline(config, call.endpoint))
  }

  const unexpected = (endpoint: string, meta: ReturnType<typeof replyMeta>, expected: string) =>
    new DecodeError({ detail: `${endpoint} answered with something other than ${expected}`, ...meta })

  const object = (route: string, path: string) =>
    Effect.flatMap(
      get(route, path),
      ({ endpoint, json, meta }) =>
        isRecord(json) ? Effect.succeed<JsonObject>(json) : Effect.fail(unexpected(endpoint, meta, "a JSON object"))
    )

  const usage = Effect.fn("CodexAccount.usage")(function*() {
    const call = {
      endpoint: "GET /wham/usage",
      url: joinUrl(base, "wham/usage"),
      method: "GET",
      accept: "application/json"
    } as const
    const response = yield* backend.send(call)
    const json = yield* readJson(call, response, config.maxEventBytes)
    if (!isRecord(json)) {
      return yield* unexpected(
        call.endpoint,
        replyMeta(response),
        "a JSON object"
      )
    }
    const { dropped, value } = decodeLenient(Usage, json)
    if (dropped.length > 0) {
      yield* Effect.logWarning(
        `${call.endpoint}: left out of the typed view (unexpected type or shape; see raw): ${dropped.join(", ")}`
      )
    }
    return { ...value, raw: json }
  }, withDeadline(config, "GET /wham/usage"))

  const tasksList = Effect.fn("CodexAccount.tasks.list")(function*(params: TaskListParams = {}) {
    return yield* object("/wham/tasks/list", `wham/tasks/list${yield* listQuery(params)}`)
  })

  const tasksRetrieve = Effect.fn("CodexAccount.tasks.retrieve")(function*(taskId: string) {
    return yield* object("/wham/tasks/{task_id}", `wham/tasks/${yield* segment("taskId", taskId)}`)
  })

  const turnsList = Effect.fn("CodexAccount.tasks.turns.list")(function*(taskId: string) {
    return yield* object("/wham/tasks/{task_id}/turns", `wham/tasks/${yield* segment("taskId", taskId)}/turns`)
  })

  const siblingTurns = Effect.fn("CodexAccount.tasks.turns.siblingTurns")(function*(taskId: string, turnId: string) {
    const task = yield* segment("taskId", taskId)
    const turn = yield* segment("turnId", turnId)
    return yield* object(
      "/wham/tasks/{task_id}/turns/{turn_id}/sibling_turns",
      `wham/tasks/${task}/turns/${turn}/sibling_turns`
    )
  })

  const environmentsList = Effect.fn("CodexAccount.environments.list")(function*() {
    const { endpoint, json, meta } = yield* get("/wham/environments", "wham/environments")
    if (isObjectArray(json)) return json
    return yield* unexpected(endpoint, meta, "an array of objects")
  })

  const memoriesList = Effect.fn("CodexAccount.memories.list")(function*() {
    return yield* object("/memories", "memories")
  })

  const userSystemMessagesRetrieve = Effect.fn("CodexAccount.userSystemMessages.retrieve")(function*() {
    return yield* object("/user_system_messages", "user_system_messages")
  })

  return CodexAccount.of({
    usage,
    tasks: { list: tasksList, retrieve: tasksRetrieve, turns: { list: turnsList, siblingTurns } },
    environments: { list: environmentsList },
    memories: { list: memoriesList },
    userSystemMessages: { retrieve: userSystemMessagesRetrieve }
  })
})

/**
 * The live service; `CodexClient.layer` provides what it needs.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<CodexAccount, never, CodexConfig | CodexAuth | CodexTransport> = Layer.effect(
  CodexAccount,
  make
)

/**
 * What `layerTest` takes: any subset of the methods, nested as in the service.
 *
 * @since 0.1.0
 * @category models
 */
export interface TestImplementation {
  readonly usage?: Service["usage"]
  readonly tasks?: Partial<Omit<Service["tasks"], "turns">> & { readonly turns?: Partial<Service["tasks"]["turns"]> }
  readonly environments?: Partial<Service["environments"]>
  readonly memories?: Partial<Service["memories"]>
  readonly userSystemMessages?: Partial<Service["userSystemMessages"]>
}

const notImplemented = (name: string) => () =>
  Effect.dieMessage(`CodexAccount.${name} is not implemented by this test layer`)

/**
 * A test double: each method answers from the given implementation; a method left out
 * dies with a message naming it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTest = (impl: TestImplementation): Layer.Layer<CodexAccount> =>
  Layer.succeed(
    CodexAccount,
    CodexAccount.of({
      usage: impl.usage ?? notImplemented("usage"),
      tasks: {
        list: impl.tasks?.list ?? notImplemented("tasks.list"),
        retrieve: impl.tasks?.retrieve ?? notImplemented("tasks.retrieve"),
        turns: {
          list: impl.tasks?.turns?.list ?? notImplemented("tasks.turns.list"),
          siblingTurns: impl.tasks?.turns?.siblingTurns ?? notImplemented("tasks.turns.siblingTurns")
        }
      },
      environments: { list: impl.environments?.list ?? notImplemented("environments.list") },
      memories: { list: impl.memories?.list ?? notImplemented("memories.list") },
      userSystemMessages: {
        retrieve: impl.userSystemMessages?.retrieve ?? notImplemented("userSystemMessages.retrieve")
      }
    })
  )
