/**
 * `GET {codex}/models?client_version=…` (protocol §9): the catalog of models this account
 * may use, in the OpenAI shape (`id`, `object: "model"`, `created`, `owned_by`) with every
 * Codex field kept.
 *
 * The catalog is cached as the Codex CLI caches it: per account and `client_version`, for
 * `CodexConfig.modelsCacheTtl` (300 s). A `/responses` reply whose `x-models-etag` differs
 * from the cached ETag makes the catalog stale (a matching one renews it); a failed refetch
 * keeps serving the stale catalog; concurrent callers share one request.
 *
 * @example
 * ```ts
 * import { Console, Effect } from "effect"
 * import { Models } from "codex-backend-sdk"
 *
 * const program = Effect.gen(function*() {
 *   const models = yield* Models.Models
 *   const { data } = yield* models.list()
 *   for (const model of data) yield* Console.log(model.id, model.context_window)
 * })
 * ```
 *
 * @since 0.1.0
 */
import type { Scope } from "effect"
import { Clock, Context, Deferred, Duration, Effect, Layer, Option, Schema } from "effect"
import { CodexAccount } from "./CodexAccount.js"
import type { CodexAuth } from "./CodexAuth.js"
import type { CodexConfig } from "./CodexConfig.js"
import type { CodexError } from "./CodexError.js"
import { brand, DecodeError, NotFound } from "./CodexError.js"
import type { CodexTransport } from "./CodexTransport.js"
import { replyMeta } from "./internal/errors.js"
import { makeBackend, readJson, withDeadline } from "./internal/http.js"
import { isRecord } from "./internal/jsonGuards.js"
import { compareVersions, fromWire } from "./internal/modelCatalog.js"
import * as ModelsEtag from "./internal/modelsEtag.js"
import * as Preflight from "./internal/preflight.js"
import { joinUrl } from "./internal/wire.js"
import { RateLimits } from "./RateLimits.js"

/**
 * A reasoning effort a model accepts, as `/models` lists it.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReasoningLevel {
  readonly effort: string
  readonly description?: string
}

/**
 * A model of the catalog: the OpenAI shape plus the Codex fields (present when the backend
 * sent them with the expected type), and the untouched wire object as `raw`, where fields
 * the backend adds later survive.
 *
 * @since 0.1.0
 * @category models
 */
export interface Model {
  /** The slug to send as `model`. */
  readonly id: string
  readonly object: "model"
  /** Unknown on this backend: always `0`. */
  readonly created: number
  readonly owned_by: string
  readonly display_name?: string
  readonly description?: string
  /** Tokens. */
  readonly context_window?: number
  /** Platform API availability; `false` does not mean unusable here. */
  readonly supported_in_api?: boolean
  readonly supports_reasoning_summaries?: boolean
  readonly support_verbosity?: boolean
  readonly default_verbosity?: string
  readonly default_reasoning_level?: string
  /** The `reasoning.effort` values this model accepts. */
  readonly supported_reasoning_levels?: ReadonlyArray<ReasoningLevel>
  readonly auto_compact_token_limit?: number
  readonly prefer_websockets?: boolean
  readonly input_modalities?: ReadonlyArray<string>
  readonly available_in_plans?: ReadonlyArray<string>
  /** The model's Codex system prompt: pass it as `instructions` for Codex behaviour. */
  readonly base_instructions?: string
  /** An ordering hint (direction unverified). */
  readonly priority?: number
  /** The wire object as received. */
  readonly raw: Readonly<Record<string, unknown>>
}

/**
 * What `list` returns: the OpenAI list shape.
 *
 * @since 0.1.0
 * @category models
 */
export interface ModelList {
  readonly object: "list"
  readonly data: ReadonlyArray<Model>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The catalog (cached; see the module's description). */
  readonly list: () => Effect.Effect<ModelList, CodexError>
  /** One model of the catalog; `NotFound` (naming the ids that exist) when there is none with this id. */
  readonly retrieve: (id: string) => Effect.Effect<Model, CodexError>
  /**
   * The model as the catalog already held says (stale or not), without fetching anything:
   * `undefined` before a catalog was fetched or when it has no such model. The `"auto"`
   * transport of `Responses` reads `prefer_websockets` here.
   */
  readonly cached: (id: string) => Effect.Effect<Model | undefined>
  /**
   * Whether a request to `options.model` can succeed, checked before it is sent: the model
   * is in this account's catalog and plan, the reasoning effort, reasoning summaries and
   * verbosity are supported, and the usage windows of the last rate-limit snapshot (from
   * `RateLimits`, when provided) are not spent. A refusal names the reason, and the reset
   * time of a spent window.
   */
  readonly preflight: (options: PreflightOptions) => Effect.Effect<Verdict, CodexError>
}

/**
 * @since 0.1.0
 * @category tags
 */
/**
 * What `preflight` checks: the model, and the reasoning and text settings of the request.
 *
 * @since 0.1.0
 * @category models
 */
export interface PreflightOptions {
  readonly model: string
  readonly reasoning?: { readonly effort?: string; readonly summary?: string } | null | undefined
  readonly text?: { readonly verbosity?: string } | undefined
}

/**
 * The verdict of `preflight`: `Ready` with the catalog entry, or `Refused` with the reason
 * (`unknown_model`, `not_in_plan`, `reasoning_effort`, `reasoning_summary`, `verbosity`,
 * `usage_limit`), a sentence, and when a usage window is spent the time it resets.
 *
 * @since 0.1.0
 * @category models
 */
export type Verdict =
  | { readonly _tag: "Ready"; readonly model: Model }
  | {
    readonly _tag: "Refused"
    readonly model: string
    readonly reason:
      | "unknown_model"
      | "not_in_plan"
      | "reasoning_effort"
      | "reasoning_summary"
      | "verbosity"
      | "usage_limit"
    readonly detail: string
    readonly resetsAt?: Date
  }

/**
 * A preflight refused the request (see {@link Verdict}); nothing was sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class PreflightRefused
  extends Schema.TaggedError<PreflightRefused>("codex-backend-sdk/PreflightRefused")("PreflightRefused", {
    model: Schema.String,
    reason: Schema.Literal(
      "unknown_model",
      "not_in_plan",
      "reasoning_effort",
      "reasoning_summary",
      "verbosity",
      "usage_limit"
    ),
    detail: Schema.String,
    resetsAt: Schema.optional(Schema.DateFromSelf)
  })
{
  override get message() {
    return `Preflight refused ${this.model} (${this.reason}): ${this.detail}. Nothing was sent.`
  }
}

brand(PreflightRefused)

/**
 * @since 0.1.0
 * @category tags
 */
export class Models extends Context.Tag("codex-backend-sdk/Models")<Models, Service>() {}

/**
 * `list` without first taking the service from the context: `Models.list()` needs `Models`.
 *
 * @since 0.1.0
 * @category accessors
 */
export const list = (): Effect.Effect<ModelList, CodexError, Models> =>
  Effect.flatMap(Models, (models) => models.list())

/**
 * `retrieve` without first taking the service from the context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const retrieve = (id: string): Effect.Effect<Model, CodexError, Models> =>
  Effect.flatMap(Models, (models) => models.retrieve(id))

/**
 * `preflight` without first taking the service from the context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const preflight = (options: PreflightOptions): Effect.Effect<Verdict, CodexError, Models> =>
  Effect.flatMap(Models, (models) => models.preflight(options))

interface Catalog {
  readonly list: ModelList
  readonly etag: string | undefined
}

interface Entry {
  readonly catalog: Catalog | undefined
  /** When the catalog was fetched or last renewed (epoch ms). */
  readonly fresh: number
  readonly stale: boolean
  readonly inflight: Deferred.Deferred<ModelList, CodexError> | undefined
}

const endpoint = "GET /models"

/** After a failed refetch, how long the stale catalog is served before the next try. */
const retryStaleAfter = 30_000

/**
 * Builds the live service. It lives as long as its scope: a fetch that concurrent callers
 * share runs in that scope, so interrupting one caller does not cancel it for the others.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Service, never, CodexConfig | CodexAuth | CodexTransport | Scope.Scope> = Effect.gen(
  function*() {
    const backend = yield* makeBackend
    const config = backend.config
    const auth = backend.auth
    const scope = yield* Effect.scope
    const rateLimits = Option.getOrUndefined(yield* Effect.serviceOption(RateLimits))
    const account = Option.getOrUndefined(yield* Effect.serviceOption(CodexAccount))
    const url = `${joinUrl(config.codexBaseUrl, "models")}?client_version=${encodeURIComponent(config.clientVersion)}`
    const ttl = Duration.toMillis(config.modelsCacheTtl)
    const entries = new Map<string, Entry>()
    /** Models for newer clients are named once per service, not on every refetch. */
    let warnedNewer = false

    const keyOf = Effect.map(
      auth.credentials,
      (credentials) => `${credentials.accountId ?? ""}\u0000${config.clientVersion}`
    )

    const fetchCatalog = Effect.gen(function*() {
      const call = { endpoint, url, method: "GET", accept: "application/json" } as const
      const response = yield* backend.send(call)
      const json = yield* readJson(call, response, config.maxEventBytes)
      const list = isRecord(json) && Array.isArray(json["models"]) ? json["models"] : undefined
      if (list === undefined) {
        return yield* new DecodeError({
          detail: "the /models reply has no \"models\" array",
          ...replyMeta(response)
        })
      }
      const data: Array<Model> = []
      for (const item of list) {
        const model = isRecord(item) ? fromWire(item) : undefined
        if (model !== undefined) {
          data.push(model)
        }
      }
      const newer = data.filter((model) => {
        const minimal = model.raw["minimal_client_version"]
        return typeof minimal === "string" && compareVersions(minimal, config.clientVersion) > 0
      })
      if (newer.length > 0 && !warnedNewer) {
        warnedNewer = true
        yield* Effect.logWarning(
          `/models lists ${
            newer.map((m) => m.id).join(", ")
          } for clients newer than ${config.clientVersion}; raise clientVersion (CODEX_CLIENT_VERSION) to use them`
        )
      }
      const catalog: Catalog = { list: { object: "list", data }, etag: response.headers["etag"] }
      return catalog
    }).pipe(withDeadline(config, endpoint))

    /** Fetches for `key` once, whoever asks, and settles every waiter. */
    const refetch = (key: string, previous: Entry | undefined) =>
      Effect.gen(function*() {
        const inflight = yield* Deferred.make<ModelList, CodexError>()
        entries.set(key, {
          catalog: previous?.catalog,
          fresh: previous?.fresh ?? 0,
          stale: previous?.stale ?? false,
          inflight
        })
        const settle = Effect.gen(function*() {
          const result = yield* Effect.either(fetchCatalog)
          const now = yield* Clock.currentTimeMillis
          const current = entries.get(key)
          if (result._tag === "Right") {
            entries.set(key, { catalog: result.right, fresh: now, stale: false, inflight: undefined })
            return yield* Deferred.succeed(inflight, result.right.list)
          }
          const kept = current?.catalog
          if (kept === undefined) {
            entries.set(key, { catalog: undefined, fresh: 0, stale: false, inflight: undefined })
            return yield* Deferred.fail(inflight, result.left)
          }
          // Serve the stale catalog at once for a while, then try again: callers do not
          // each wait for a failing refetch.
          entries.set(key, {
            catalog: kept,
            fresh: now - ttl + Math.min(ttl, retryStaleAfter),
            stale: false,
            inflight: undefined
          })
          yield* Effect.logWarning(
            `Models: fetching the catalog failed; serving the one fetched ${
              Duration.format(Duration.millis(now - (current?.fresh ?? now)))
            } ago. ${result.left.message}`
          )
          return yield* Deferred.succeed(inflight, kept.list)
        })
        // Shared by every caller (with the call policy of the one that started it); an
        // interrupted fetch (the layer closing) releases its waiters.
        yield* Effect.forkIn(
          settle.pipe(
            Effect.onInterrupt(() =>
              Effect.zipRight(
                Effect.sync(() => {
                  const current = entries.get(key)
                  if (current?.inflight === inflight) entries.set(key, { ...current, inflight: undefined })
                }),
                Deferred.interrupt(inflight)
              )
            )
          ),
          scope
        )
        return inflight
      })

    const list = Effect.fn("Models.list")(function*() {
      const key = yield* keyOf
      const now = yield* Clock.currentTimeMillis
      const entry = entries.get(key)
      if (entry?.catalog !== undefined && !entry.stale && now - entry.fresh < ttl) return entry.catalog.list
      const inflight = entry?.inflight ?? (yield* refetch(key, entry))
      return yield* Deferred.await(inflight)
    })

    const retrieve = Effect.fn("Models.retrieve")(function*(id: string) {
      const { data } = yield* list()
      const model = data.find((m) => m.id === id)
      if (model !== undefined) return model
      return yield* new NotFound({
        detail: `no model "${id}" in this account's catalog; it has ${data.map((m) => m.id).join(", ") || "no models"}`
      })
    })

    /** The `x-models-etag` of a reply: a different ETag makes the cached catalog stale, the same one renews it. */
    const noteEtag = (etag: string) =>
      Effect.gen(function*() {
        const key = yield* Effect.orElseSucceed(keyOf, () => undefined)
        const entry = key === undefined ? undefined : entries.get(key)
        if (key === undefined || entry?.catalog === undefined) return
        if (entry.catalog.etag === etag) {
          entries.set(key, { ...entry, fresh: yield* Clock.currentTimeMillis })
        } else if (!entry.stale) {
          entries.set(key, { ...entry, stale: true })
        }
      })

    const cached = (id: string): Effect.Effect<Model | undefined> =>
      // No catalog fetched yet (the usual case): not even the credentials are read.
      entries.size === 0
        ? Effect.succeed(undefined)
        : Effect.map(Effect.orElseSucceed(keyOf, () => undefined), (key) =>
          key === undefined ? undefined : entries.get(key)?.catalog?.list.data.find((m) => m.id === id))

    const preflight = Effect.fn("Models.preflight")(function*(options: PreflightOptions) {
      const { data } = yield* list()
      const plan = Option.match(yield* Effect.option(auth.credentials), {
        onNone: () => undefined,
        onSome: (c) => c.planType
      })
      const now = yield* Clock.currentTimeMillis
      // The last snapshot a reply carried; before any, the account's usage (a failure of that
      // call only leaves the windows unchecked).
      const latest = rateLimits === undefined ? undefined : yield* rateLimits.latest
      const limits = latest ?? (account === undefined
        ? undefined
        : Option.getOrUndefined(
          yield* Effect.option(Effect.map(account.usage(), (usage) => Preflight.fromUsage(usage, now)))
        ))
      return Preflight.verdict(options, data, plan, limits, now)
    })

    return ModelsEtag.register(Models.of({ list, retrieve, cached, preflight }), noteEtag)
  }
)

/**
 * The live service; `CodexClient.layer` provides what it needs.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Models, never, CodexConfig | CodexAuth | CodexTransport> = Layer.scoped(
  Models,
  make
)

/**
 * A test double: each method answers from the given partial implementation; a method left
 * out dies with a message naming it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTest = (impl: Partial<Service>): Layer.Layer<Models> =>
  Layer.succeed(
    Models,
    Models.of({
      list: () => Effect.dieMessage("Models.list is not implemented by this test layer"),
      retrieve: () => Effect.dieMessage("Models.retrieve is not implemented by this test layer"),
      cached: () => Effect.succeed(undefined),
      preflight: (options) =>
        Effect.flatMap(
          impl.list?.() ?? Effect.dieMessage("Models.preflight needs Models.list in this test layer"),
          ({ data }) =>
            Effect.map(Clock.currentTimeMillis, (now) => Preflight.verdict(options, data, undefined, undefined, now))
        ),
      ...impl
    })
  )
