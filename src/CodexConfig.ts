/**
 * Configuration of the SDK: where the backend lives, who we say we are, how long we
 * wait and how often we retry.
 *
 * Defaults point at the real hosts. Tests and the demo point every base URL at the
 * built-in emulator instead (see `CodexEmulator`).
 *
 * @since 0.1.0
 */
import { Config, ConfigError, Context, Duration, Effect, Either, FiberRef, Layer, Schedule } from "effect"
import { dual } from "effect/Function"
import { globalValue } from "effect/GlobalValue"
import * as NodeFs from "node:fs"
import * as Os from "node:os"
import * as NodePath from "node:path"
import type { CodexError } from "./CodexError.js"
import { InvalidParameter, isRetryable } from "./CodexError.js"

/**
 * What to do with a request parameter the backend is known to reject.
 *
 * - `"strict"` (default): fail with `UnsupportedParameter` before anything is sent.
 * - `"lenient"`: drop the parameter, log a warning, and send the rest.
 *
 * @since 0.1.0
 * @category models
 */
export type ParameterPolicy = "strict" | "lenient"

/**
 * How `responses.compact` asks the backend (protocol §8):
 *
 * - `"trigger"` (default): an ordinary `/responses` stream whose last input item is
 *   `{"type":"compaction_trigger"}` (§8.0), as the backend does it today;
 * - `"legacy"`: the old `POST /responses/compact` (§8.1), which the backend now answers
 *   with 404.
 *
 * Either way, a 404 makes the SDK try the other form once.
 *
 * @since 0.1.0
 * @category models
 */
export type CompactVia = "trigger" | "legacy"

/**
 * How `/responses` requests travel (protocol §13):
 *
 * - `"sse"`: one HTTP request per response, the event stream in its body.
 * - `"websocket"`: one `response.create` frame per response over a WebSocket kept per
 *   `prompt_cache_key` (the conversation), sending only the new items after the first
 *   turn. A 426, or a connection that keeps failing, falls back to SSE for that conversation.
 * - `"auto"` (default): WebSocket for a request with a `prompt_cache_key` whose model has
 *   `prefer_websockets` in the catalog the `Models` service already holds; SSE otherwise.
 *
 * @since 0.1.0
 * @category models
 */
export type ResponsesTransport = "sse" | "websocket" | "auto"

const transports: ReadonlyArray<string> = ["sse", "websocket", "auto"]

/**
 * The Codex CLI release this SDK speaks as (the one `npm run conformance` runs against
 * the emulator): the default `clientVersion`, hence the `version` header, `/models`'
 * `client_version` and the `User-Agent`.
 *
 * @since 0.1.0
 * @category constants
 */
export const codexCliVersion = "0.169.0"

/**
 * The resolved configuration.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Base of `/responses`, `/responses/compact`, `/models`. No trailing slash. */
  readonly codexBaseUrl: string
  /** Base of `/wham/*`, `/memories`, `/user_system_messages`. No trailing slash. */
  readonly chatgptBaseUrl: string
  /** Base of `api.openai.com/v1` (embeddings, transcriptions). No trailing slash. */
  readonly openaiBaseUrl: string
  /** The OAuth issuer (`https://auth.openai.com`). No trailing slash. */
  readonly authIssuer: string
  /** Directory of `auth.json`; the Codex CLI's `CODEX_HOME`. */
  readonly codexHome: string
  /** Sent as the `originator` header and in the authorize URL. */
  readonly originator: string
  /**
   * A Codex CLI version (`MAJOR.MINOR.PATCH`), sent as `version`, `client_version` and in
   * the `User-Agent` (default: {@link codexCliVersion}). `/models` hides the models whose
   * `minimal_client_version` is newer.
   */
  readonly clientVersion: string
  /** The `User-Agent` header. */
  readonly userAgent: string
  /** The model used when a request names none. The catalog (`/models`) is the source of truth. */
  readonly defaultModel: string
  /** How long to wait for response headers. */
  readonly requestTimeout: Duration.Duration
  /** How long a stream may stay silent (not one byte) before it fails with `Timeout`. */
  readonly streamIdleTimeout: Duration.Duration
  /** Retries of a request that failed before its first event (protocol §6.4: 4). */
  readonly maxRetries: number
  /** The first backoff delay; doubled per retry, with ±10 % jitter. */
  readonly retryBaseDelay: Duration.Duration
  /** The cap on any single wait, including a server's `Retry-After`. Longer waits are not slept. */
  readonly retryMaxDelay: Duration.Duration
  /**
   * How many times a *collected* `responses.create` redoes the whole request after a cut
   * stream, an idle timeout or a retryable in-stream failure. Every send is billable.
   */
  readonly maxStreamRetries: number
  /**
   * The retry policy as a `Schedule` (see {@link RetrySchedule}); `undefined` (the default)
   * for {@link defaultRetrySchedule} built from `maxRetries`, `retryBaseDelay` and
   * `retryMaxDelay`.
   */
  readonly retrySchedule: RetrySchedule | undefined
  /** See {@link ParameterPolicy}. */
  readonly parameterPolicy: ParameterPolicy
  /** See {@link CompactVia}. */
  readonly compactVia: CompactVia
  /**
   * How long a fetched `/models` catalog is served before it is fetched again (the CLI's
   * 300 s). A `/responses` reply whose `x-models-etag` differs from the catalog's ETag
   * makes it stale sooner; a matching one renews it.
   */
  readonly modelsCacheTtl: Duration.Duration
  /**
   * Accept plain `http:` base URLs on hosts other than loopback (default false). Bearer
   * tokens then travel in clear text; a warning is logged once per process.
   */
  readonly allowInsecureHttp: boolean
  /**
   * Use a `codexHome` that is group- or world-writable or owned by another user (default
   * false: the token store refuses it, since anyone who can write there can plant an
   * `auth.json` or hold its lock).
   */
  readonly allowInsecureCodexHome: boolean
  /**
   * An overall deadline for one call, from sending the request to the end of its stream
   * (retries included); `undefined` (the default) for none. The idle timeout resets on
   * every byte, so without a deadline a server sending keep-alives can hold a request
   * forever. Exceeding it fails with `Timeout { phase: "deadline" }`.
   */
  readonly requestDeadline: Duration.Duration | undefined
  /**
   * The largest SSE line or event, and the largest JSON reply body, read into memory
   * (default 16 MB, counted in characters of decoded text for a stream). Larger ones fail
   * with `DecodeError` instead of growing the heap without limit.
   */
  readonly maxEventBytes: number
  /** See {@link ResponsesTransport}. */
  readonly transport: ResponsesTransport
}

/**
 * A retry policy: a `Schedule` fed with each failure the SDK may retry, deciding whether
 * and when the next attempt goes out.
 *
 * The SDK consults it only for failures protocol §6.4 allows to be retried
 * ({@link CodexError.isRetryable}, and, for a stream, only before its first event: a
 * stream is never replayed once an event reached the caller). It drives every retry of a
 * request: its retries before its first byte (any endpoint, HTTP or WebSocket), the token
 * refresh's, and the whole-request redo of a collected `responses.create` after a cut
 * stream (there also bounded by `maxStreamRetries`, since every redo is billable). `Batch`
 * retries whole items on top, on its own `retry` schedule.
 *
 * @example
 * ```ts
 * import { Schedule } from "effect"
 * import { CodexConfig, type CodexError } from "codex-backend-sdk"
 *
 * // The protocol's backoff, at most 8 retries, and never for a 503.
 * const patient = CodexConfig.defaultRetrySchedule({ maxRetries: 8 }).pipe(
 *   Schedule.whileInput((error: CodexError.CodexError) => !(error._tag === "ServerError" && error.status === 503))
 * )
 * const config = CodexConfig.layer({ retrySchedule: patient })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type RetrySchedule = Schedule.Schedule<unknown, CodexError>

/**
 * The retry policy of protocol §6.4 as a `Schedule`: `retryBaseDelay` × 2ⁿ with ±10 %
 * jitter, each wait capped at `retryMaxDelay`; a `RateLimited` error's `Retry-After` is
 * waited instead, and one longer than `retryMaxDelay` ends the retries at once; only
 * retryable errors; at most `maxRetries` retries. Omitted fields take {@link defaults}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaultRetrySchedule = (
  options: {
    readonly maxRetries?: number | undefined
    readonly retryBaseDelay?: Duration.Duration | undefined
    readonly retryMaxDelay?: Duration.Duration | undefined
  } = {}
): RetrySchedule => {
  const maxDelay = options.retryMaxDelay ?? defaults.retryMaxDelay
  const retryAfter = (error: CodexError) => error._tag === "RateLimited" ? error.retryAfter : undefined
  const backoff = Schedule.exponential(options.retryBaseDelay ?? defaults.retryBaseDelay).pipe(
    Schedule.jitteredWith({ min: 0.9, max: 1.1 })
  )
  return Schedule.identity<CodexError>().pipe(
    Schedule.zipLeft(backoff),
    Schedule.modifyDelay((error, delay) => retryAfter(error) ?? Duration.min(delay, maxDelay)),
    Schedule.whileInput((error) => {
      const requested = retryAfter(error)
      return isRetryable(error) && (requested === undefined || Duration.lessThanOrEqualTo(requested, maxDelay))
    }),
    Schedule.zipLeft(Schedule.recurs(options.maxRetries ?? defaults.maxRetries))
  )
}

/**
 * @since 0.1.0
 * @category tags
 */
export class CodexConfig extends Context.Tag("codex-backend-sdk/CodexConfig")<CodexConfig, Service>() {}

/**
 * The options accepted by {@link make}; every field is optional.
 *
 * @since 0.1.0
 * @category models
 */
export type Options = { readonly [K in keyof Service]?: Service[K] | undefined }

/**
 * The real hosts and the protocol's recommended policy.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults = {
  codexBaseUrl: "https://chatgpt.com/backend-api/codex",
  chatgptBaseUrl: "https://chatgpt.com/backend-api",
  openaiBaseUrl: "https://api.openai.com/v1",
  authIssuer: "https://auth.openai.com",
  originator: "codex_cli_rs",
  clientVersion: codexCliVersion,
  defaultModel: "gpt-5.4",
  requestTimeout: Duration.seconds(60),
  streamIdleTimeout: Duration.seconds(300),
  maxRetries: 4,
  retryBaseDelay: Duration.millis(200),
  retryMaxDelay: Duration.seconds(60),
  maxStreamRetries: 2,
  parameterPolicy: "strict",
  compactVia: "trigger",
  modelsCacheTtl: Duration.seconds(300),
  maxEventBytes: 16 * 1024 * 1024,
  transport: "auto"
} as const

/**
 * The SDK's own version, appended to the `User-Agent`.
 *
 * @since 0.1.0
 * @category constants
 */
export const sdkVersion = "0.1.0"

/**
 * Whether a URL host is loopback: `localhost`, any address of `127.0.0.0/8`, or `::1`
 * (as `URL.hostname` spells them).
 *
 * @since 0.1.0
 * @category utils
 */
export const isLoopbackHost = (hostname: string): boolean =>
  hostname === "localhost" || hostname === "[::1]" || hostname === "::1" ||
  /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)

const invalid = (path: string, message: string) => ConfigError.InvalidData([path], message)

/** The options that take a `Duration`. */
const durationOptions = [
  "requestTimeout",
  "streamIdleTimeout",
  "retryBaseDelay",
  "retryMaxDelay",
  "modelsCacheTtl",
  "requestDeadline"
] as const

/**
 * Why a value given for a `Duration` option is not one (plain JavaScript may pass `3000`
 * or `"3 seconds"`, which would otherwise crash a timer later), or `undefined`.
 */
const notADuration = (value: unknown): string | undefined =>
  value === undefined || Duration.isDuration(value)
    ? undefined
    : `must be a Duration (e.g. Duration.seconds(3) or Duration.millis(3000)), got ${
      typeof value === "string" ? JSON.stringify(value) : String(value)
    }`

/** Why a value given as a `retrySchedule` is not a `Schedule`, or `undefined`. */
const notASchedule = (value: unknown): string | undefined =>
  value === undefined || Schedule.isSchedule(value) ? undefined : "must be a Schedule (see defaultRetrySchedule)"

/** The base URL, and whether it is plain http off loopback (allowed only by `allowInsecureHttp`). */
const baseUrl = (
  name: string,
  value: string,
  allowInsecureHttp: boolean
): Either.Either<{ readonly url: string; readonly insecure: boolean }, ConfigError.ConfigError> => {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return Either.left(invalid(name, `${name} is not a URL: ${JSON.stringify(value)}`))
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return Either.left(invalid(name, `${name} must be an http(s) URL, got ${url.protocol}`))
  }
  const insecure = url.protocol !== "https:" && !isLoopbackHost(url.hostname)
  if (insecure && !allowInsecureHttp) {
    return Either.left(
      invalid(
        name,
        `${name} must use https: bearer tokens are never sent over plain http, except to loopback (127.0.0.0/8, ::1, localhost). Set allowInsecureHttp: true to override`
      )
    )
  }
  if (url.search !== "" || url.hash !== "") {
    return Either.left(invalid(name, `${name} must not carry a query or fragment`))
  }
  return Either.right({ url: value.replace(/\/+$/, ""), insecure })
}

/** `allowInsecureHttp` warns once per process. */
let warnedInsecureHttp = false

/**
 * Builds a `User-Agent` in the Codex CLI's format, with the runtime last:
 * `codex_cli_rs/0.169.0 (Linux 6.8.0; x64) node/20.11.1 (codex-backend-sdk 0.1.0)`.
 * Characters that are invalid in a header become `_`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeUserAgent = (originator: string, clientVersion: string): string =>
  `${originator}/${clientVersion} (${Os.type()} ${Os.release()}; ${Os.arch()}) node/${process.versions.node} (codex-backend-sdk ${sdkVersion})`
    .replace(/[^\t\x20-\x7e]/g, "_")

/**
 * Resolves options into a configuration, validating the base URLs and numbers.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Service, ConfigError.ConfigError> => resolve(options, {})

const resolve = (overrides: Options, fallback: Options): Effect.Effect<Service, ConfigError.ConfigError> =>
  Effect.gen(function*() {
    const pick = <K extends keyof Service>(key: K): Service[K] | undefined => overrides[key] ?? fallback[key]
    const allowInsecureHttp = pick("allowInsecureHttp") ?? false
    const urls = {
      codexBaseUrl: yield* baseUrl("codexBaseUrl", pick("codexBaseUrl") ?? defaults.codexBaseUrl, allowInsecureHttp),
      chatgptBaseUrl: yield* baseUrl(
        "chatgptBaseUrl",
        pick("chatgptBaseUrl") ?? defaults.chatgptBaseUrl,
        allowInsecureHttp
      ),
      openaiBaseUrl: yield* baseUrl(
        "openaiBaseUrl",
        pick("openaiBaseUrl") ?? defaults.openaiBaseUrl,
        allowInsecureHttp
      ),
      authIssuer: yield* baseUrl("authIssuer", pick("authIssuer") ?? defaults.authIssuer, allowInsecureHttp)
    }
    const insecure = Object.entries(urls).filter(([, url]) => url.insecure).map(([name]) => name)
    if (insecure.length > 0 && !warnedInsecureHttp) {
      warnedInsecureHttp = true
      yield* Effect.logWarning(
        `allowInsecureHttp: ${insecure.join(", ")} use plain http off loopback; bearer tokens travel in clear text.`
      )
    }
    const originator = pick("originator") ?? defaults.originator
    const clientVersion = pick("clientVersion") ?? defaults.clientVersion
    if (!/^\d+\.\d+\.\d+$/.test(clientVersion)) {
      return yield* Effect.fail(
        invalid("clientVersion", `clientVersion must be MAJOR.MINOR.PATCH, got ${JSON.stringify(clientVersion)}`)
      )
    }
    const maxEventBytes = pick("maxEventBytes")
    if (maxEventBytes !== undefined && !(Number.isInteger(maxEventBytes) && maxEventBytes >= 1024)) {
      return yield* Effect.fail(
        invalid("maxEventBytes", `maxEventBytes must be a whole number >= 1024, got ${maxEventBytes}`)
      )
    }
    const transport = pick("transport")
    if (transport !== undefined && !transports.includes(transport)) {
      return yield* Effect.fail(
        invalid("transport", `transport must be "sse", "websocket" or "auto", got ${JSON.stringify(transport)}`)
      )
    }
    for (const key of ["maxRetries", "maxStreamRetries"] as const) {
      const value = pick(key)
      if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
        return yield* Effect.fail(invalid(key, `${key} must be a whole number >= 0, got ${value}`))
      }
    }
    for (const key of durationOptions) {
      const problem = notADuration(pick(key))
      if (problem !== undefined) return yield* Effect.fail(invalid(key, `${key} ${problem}`))
    }
    const retrySchedule = pick("retrySchedule")
    const notSchedule = notASchedule(retrySchedule)
    if (notSchedule !== undefined) return yield* Effect.fail(invalid("retrySchedule", `retrySchedule ${notSchedule}`))
    return {
      codexBaseUrl: urls.codexBaseUrl.url,
      chatgptBaseUrl: urls.chatgptBaseUrl.url,
      openaiBaseUrl: urls.openaiBaseUrl.url,
      authIssuer: urls.authIssuer.url,
      codexHome: pick("codexHome") ?? NodePath.join(Os.homedir(), ".codex"),
      originator,
      clientVersion,
      userAgent: pick("userAgent") ?? makeUserAgent(originator, clientVersion),
      defaultModel: pick("defaultModel") ?? defaults.defaultModel,
      requestTimeout: pick("requestTimeout") ?? defaults.requestTimeout,
      streamIdleTimeout: pick("streamIdleTimeout") ?? defaults.streamIdleTimeout,
      maxRetries: pick("maxRetries") ?? defaults.maxRetries,
      retryBaseDelay: pick("retryBaseDelay") ?? defaults.retryBaseDelay,
      retryMaxDelay: pick("retryMaxDelay") ?? defaults.retryMaxDelay,
      maxStreamRetries: pick("maxStreamRetries") ?? defaults.maxStreamRetries,
      retrySchedule,
      parameterPolicy: pick("parameterPolicy") ?? defaults.parameterPolicy,
      compactVia: pick("compactVia") ?? defaults.compactVia,
      modelsCacheTtl: pick("modelsCacheTtl") ?? defaults.modelsCacheTtl,
      allowInsecureHttp,
      allowInsecureCodexHome: pick("allowInsecureCodexHome") ?? false,
      requestDeadline: pick("requestDeadline"),
      maxEventBytes: maxEventBytes ?? defaults.maxEventBytes,
      transport: transport ?? defaults.transport
    }
  })

/**
 * A configuration layer from explicit options (missing ones take the {@link defaults}).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<CodexConfig, ConfigError.ConfigError> =>
  Layer.effect(CodexConfig, make(options))

/** A set `CODEX_HOME` must exist and be a directory (protocol §2.9); it is canonicalised. */
const existingDirectory = (value: string): Either.Either<string, ConfigError.ConfigError> => {
  try {
    const path = NodeFs.realpathSync(value)
    if (NodeFs.statSync(path).isDirectory()) return Either.right(path)
    return Either.left(ConfigError.InvalidData([], `CODEX_HOME=${value} is not a directory`))
  } catch {
    return Either.left(
      ConfigError.InvalidData([], `CODEX_HOME=${value} does not exist; create it, or unset CODEX_HOME to use ~/.codex`)
    )
  }
}

/**
 * The options read from the environment:
 *
 * | variable | option |
 * |---|---|
 * | `CODEX_HOME` (non-empty; must be an existing directory, as the Codex CLI requires; canonicalised) | `codexHome` |
 * | `CODEX_BASE_URL` | `codexBaseUrl` |
 * | `CODEX_CHATGPT_BASE_URL` | `chatgptBaseUrl` |
 * | `CODEX_OPENAI_BASE_URL` | `openaiBaseUrl` |
 * | `CODEX_AUTH_ISSUER` | `authIssuer` |
 * | `CODEX_ORIGINATOR` | `originator` |
 * | `CODEX_CLIENT_VERSION` | `clientVersion` |
 * | `CODEX_MODEL` | `defaultModel` |
 * | `CODEX_PARAMETER_POLICY` (`strict` / `lenient`) | `parameterPolicy` |
 * | `CODEX_COMPACT_VIA` (`trigger` / `legacy`) | `compactVia` |
 *
 * @since 0.1.0
 * @category configs
 */
export const fromEnv: Config.Config<Options> = Config.all({
  codexHome: Config.string("CODEX_HOME").pipe(
    Config.mapOrFail((value) => (value.trim() === "" ? Either.right(undefined) : existingDirectory(value))),
    Config.withDefault(undefined)
  ),
  codexBaseUrl: Config.string("CODEX_BASE_URL").pipe(Config.withDefault(undefined)),
  chatgptBaseUrl: Config.string("CODEX_CHATGPT_BASE_URL").pipe(Config.withDefault(undefined)),
  openaiBaseUrl: Config.string("CODEX_OPENAI_BASE_URL").pipe(Config.withDefault(undefined)),
  authIssuer: Config.string("CODEX_AUTH_ISSUER").pipe(Config.withDefault(undefined)),
  originator: Config.string("CODEX_ORIGINATOR").pipe(Config.withDefault(undefined)),
  clientVersion: Config.string("CODEX_CLIENT_VERSION").pipe(Config.withDefault(undefined)),
  defaultModel: Config.string("CODEX_MODEL").pipe(Config.withDefault(undefined)),
  parameterPolicy: Config.literal("strict", "lenient")("CODEX_PARAMETER_POLICY").pipe(Config.withDefault(undefined)),
  compactVia: Config.literal("trigger", "legacy")("CODEX_COMPACT_VIA").pipe(Config.withDefault(undefined))
})

/**
 * A configuration layer from the environment (see {@link fromEnv}); `overrides` win over it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFromEnv = (overrides: Options = {}): Layer.Layer<CodexConfig, ConfigError.ConfigError> =>
  Layer.effect(
    CodexConfig,
    Effect.flatMap(fromEnv, (env) => resolve(overrides, env))
  )

/**
 * A configuration layer built from a `Config` of options, for apps that keep their own
 * configuration provider.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (config: Config.Config<Options>): Layer.Layer<CodexConfig, ConfigError.ConfigError> =>
  Layer.effect(CodexConfig, Effect.flatMap(config, make))

/**
 * Retries and timeout for the calls of one effect, over the configured ones (see
 * {@link withCallPolicy}).
 *
 * @since 0.1.0
 * @category models
 */
export interface CallPolicy {
  /** Retries of a request that failed before its first event. */
  readonly maxRetries?: number
  /** Whole-request redos of a collected `responses.create` after its stream broke. */
  readonly maxStreamRetries?: number
  readonly retryBaseDelay?: Duration.Duration
  readonly retryMaxDelay?: Duration.Duration
  /**
   * The retry policy for these calls (see {@link RetrySchedule}). Without it, any of
   * `maxRetries`, `retryBaseDelay` or `retryMaxDelay` here builds {@link defaultRetrySchedule}
   * from the merged numbers, replacing a schedule the layer was given.
   */
  readonly retrySchedule?: RetrySchedule
  /** How long to wait for a reply's headers, per attempt. */
  readonly requestTimeout?: Duration.Duration
  /** How `/responses` requests travel (see {@link ResponsesTransport}). */
  readonly transport?: ResponsesTransport
}

/**
 * The call policy in force for the current fiber (empty: the configured one).
 *
 * @since 0.1.0
 * @category fiber refs
 */
export const currentCallPolicy: FiberRef.FiberRef<CallPolicy> = globalValue(
  Symbol.for("codex-backend-sdk/CodexConfig/currentCallPolicy"),
  () => FiberRef.unsafeMake<CallPolicy>({})
)

/**
 * The configuration with the call policy of the current fiber applied.
 *
 * @since 0.1.0
 * @category getters
 */
export const withCurrentCallPolicy = (config: Service): Effect.Effect<Service> =>
  Effect.map(FiberRef.get(currentCallPolicy), (policy) => {
    if (Object.keys(policy).length === 0) return config
    const numbers = policy.maxRetries !== undefined || policy.retryBaseDelay !== undefined ||
      policy.retryMaxDelay !== undefined
    return { ...config, ...policy, retrySchedule: policy.retrySchedule ?? (numbers ? undefined : config.retrySchedule) }
  })

/**
 * Runs an effect with other retries or another headers timeout for every backend call it
 * makes (any endpoint group; a `stream` when the effect runs it), e.g. no retries for a
 * latency-sensitive call, more for a batch. Bad numbers fail with `InvalidParameter`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { CodexConfig, Responses } from "codex-backend-sdk"
 *
 * const quick = Effect.flatMap(Responses.Responses, (r) => r.create({ input: "ping" })).pipe(
 *   CodexConfig.withCallPolicy({ maxRetries: 0, maxStreamRetries: 0 })
 * )
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const withCallPolicy: {
  (policy: CallPolicy): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | InvalidParameter, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, policy: CallPolicy): Effect.Effect<A, E | InvalidParameter, R>
} = dual(
  2,
  <A, E, R>(self: Effect.Effect<A, E, R>, policy: CallPolicy): Effect.Effect<A, E | InvalidParameter, R> =>
    Effect.flatMap(checkCallPolicy(policy), (checked) => Effect.locally(self, currentCallPolicy, checked))
)

/**
 * Checks a call policy (whole, non-negative retry counts) and drops its undefined fields.
 *
 * @since 0.1.0
 * @category constructors
 */
export const checkCallPolicy = (policy: CallPolicy): Effect.Effect<CallPolicy, InvalidParameter> => {
  for (const key of ["maxRetries", "maxStreamRetries"] as const) {
    const value = policy[key]
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
      return Effect.fail(new InvalidParameter({ parameter: key, detail: `must be a whole number >= 0, got ${value}` }))
    }
  }
  for (const key of ["retryBaseDelay", "retryMaxDelay", "requestTimeout"] as const) {
    const problem = notADuration(policy[key])
    if (problem !== undefined) return Effect.fail(new InvalidParameter({ parameter: key, detail: problem }))
  }
  const notSchedule = notASchedule(policy.retrySchedule)
  if (notSchedule !== undefined) {
    return Effect.fail(new InvalidParameter({ parameter: "retrySchedule", detail: notSchedule }))
  }
  if (policy.transport !== undefined && !transports.includes(policy.transport)) {
    return Effect.fail(
      new InvalidParameter({
        parameter: "transport",
        detail: `must be "sse", "websocket" or "auto", got ${JSON.stringify(policy.transport)}`
      })
    )
  }
  return Effect.succeed(Object.fromEntries(Object.entries(policy).filter(([, v]) => v !== undefined)))
}
