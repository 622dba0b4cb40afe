/**
 * The Promise client, in openai-node's shape, for code that does not use Effect:
 * `new OpenAI()`, `await client.authenticate()`, `await client.responses.create(...)`,
 * `for await (const event of stream)`.
 *
 * It is a thin facade over one `ManagedRuntime` of the live stack (`CodexClient.layerWith`),
 * not a second implementation: every call runs the Effect service of its group, and
 * rejects with that service's typed error (`CodexError.RateLimited`, `AuthExpired`, ...).
 * Building a client does no I/O; the runtime is built by the first call.
 *
 * @example
 * ```ts
 * import OpenAI from "codex-backend-sdk/OpenAI"
 *
 * const client = await new OpenAI().authenticate()
 * const response = await client.responses.create({ model: "gpt-5.4", input: "Explain quicksort." })
 * console.log(response.output_text)
 *
 * const stream = await client.responses.create({ input: "Say hi five times.", stream: true })
 * for await (const event of stream) {
 *   if (event.type === "response.output_text.delta") process.stdout.write(event.delta)
 * }
 * await client.close()
 * ```
 *
 * @since 0.1.0
 */
import type { Layer } from "effect"
import { Effect, Either, Option, Runtime } from "effect"
import * as CodexAuth from "./CodexAuth.js"
import * as CodexConfig from "./CodexConfig.js"
import * as CodexTransport from "./CodexTransport.js"
import * as Errors from "./internal/facade/errors.js"
import * as Files from "./internal/facade/files.js"
import * as Options from "./internal/facade/options.js"
import { AudioResource } from "./internal/facade/resources/audio.js"
import { CodexResource } from "./internal/facade/resources/codex.js"
import { ConversationsResource } from "./internal/facade/resources/conversations.js"
import { EmbeddingsResource } from "./internal/facade/resources/embeddings.js"
import { ModelsResource } from "./internal/facade/resources/models.js"
import { RealtimeResource } from "./internal/facade/resources/realtime.js"
import { ResponsesResource } from "./internal/facade/resources/responses.js"
import * as ResponseStore from "./internal/facade/responseStore.js"
import { Engine, settle } from "./internal/facade/runtime.js"
import * as OAuth from "./OAuth.js"
import * as TokenStore from "./TokenStore.js"

// ---------------------------------------------------------------------------------------
// Options and errors
// ---------------------------------------------------------------------------------------

/**
 * The options of `new OpenAI(options)`: every `CodexConfig` option (base URLs,
 * `codexHome`, timeouts, retries, `parameterPolicy`...), over the environment
 * (`CODEX_HOME`, `CODEX_BASE_URL`, ...), plus openai-node's `baseURL`, `apiKey` (a
 * ChatGPT access token, with `accountId`), `timeout`, `maxRetries`, `defaultHeaders`,
 * `fetch`, `logLevel` and `logger`, and `layer`. A wrong option, or one this backend has
 * no use for (`defaultQuery`, `organization`, `project`, `dangerouslyAllowBrowser: true`,
 * `fetchOptions`, `httpAgent`, `webhookSecret`), throws `InvalidParameter` (an
 * `OpenAIError`) naming it at construction.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientOptions extends CodexConfig.Options, Omit<Options.NodeOptions, "maxRetries"> {
  /**
   * Runs the client over another stack instead of the live one, e.g.
   * `CodexEmulator.layerClient()` or `CodexClient.layerTest({...})`. The layer brings its
   * own configuration: `baseURL`, `apiKey`, `fetch`, `defaultHeaders`, `timeout` and
   * `maxRetries` beside it throw (the other `CodexConfig` options are ignored). A group whose service the
   * layer lacks rejects with an `Error` naming it.
   */
  readonly layer?: Layer.Layer<never, unknown> | undefined
  /**
   * Makes `previous_response_id` work on `responses.create` / `responses.stream`, which
   * the stateless backend refuses: every response this client completes is kept with the
   * history that produced it — in memory (`"memory"`) or one file per response in a
   * directory — and a request naming a `previous_response_id` is expanded locally into that
   * history plus its own input, the request an explicit history would have sent. Without
   * it, `previous_response_id` is an `UnsupportedParameter`, as the backend's 400 would be.
   */
  readonly responseStore?: "memory" | (string & {}) | undefined
}

/**
 * openai-node's per-request options, the second argument of every method: `signal`,
 * `timeout`, `maxRetries`.
 *
 * @since 0.1.0
 * @category models
 */
export type { RequestOptions } from "./internal/facade/options.js"

export {
  /**
   * openai-node's error classes. Calls reject with the SDK's tagged errors (`_tag`,
   * `resetsAt`, ...), which these classes recognise by status and tag: a 429 is
   * `instanceof RateLimitError`, `APIError` and `OpenAIError`.
   *
   * @since 0.1.0
   * @category errors
   */
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  OpenAIError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError
} from "./internal/facade/errors.js"

export {
  /**
   * openai-node's `toFile(value, name?, options?)`: a web `File` from bytes, a `Blob`, a
   * fetch `Response` or a stream, for `audio.transcriptions.create({ file })`.
   *
   * @since 0.1.0
   * @category files
   */
  toFile
} from "./internal/facade/files.js"

/**
 * @since 0.1.0
 * @category files
 */
export type { FileInput, ToFileInput } from "./internal/facade/files.js"

/**
 * @since 0.1.0
 * @category models
 */
export type { ParsedResponse } from "./internal/facade/parse.js"

export {
  /**
   * openai-node's `Stream`: what a streamed `responses.create` resolves to.
   *
   * @since 0.1.0
   * @category streaming
   */
  Stream
} from "./internal/facade/stream.js"

export {
  /**
   * openai-node's `client.responses.stream(...)` helper.
   *
   * @since 0.1.0
   * @category streaming
   */
  ResponseStream
} from "./internal/facade/responseStream.js"

/**
 * @since 0.1.0
 * @category streaming
 */
export type { ResponseStreamListeners } from "./internal/facade/responseStream.js"

export {
  /**
   * openai-node's `Page`: what a list resolves to.
   *
   * @since 0.1.0
   * @category models
   */
  Page
} from "./internal/facade/page.js"

/**
 * @since 0.1.0
 * @category models
 */
export type { PagePromise } from "./internal/facade/page.js"

export {
  /**
   * `client.responses`.
   *
   * @since 0.1.0
   * @category resources
   */
  ResponsesResource
} from "./internal/facade/resources/responses.js"

export {
  /**
   * `client.models`.
   *
   * @since 0.1.0
   * @category resources
   */
  ModelsResource
} from "./internal/facade/resources/models.js"

export {
  /**
   * `client.realtime`.
   *
   * @since 0.1.0
   * @category resources
   */
  RealtimeResource
} from "./internal/facade/resources/realtime.js"

/**
 * @since 0.1.0
 * @category models
 */
export type { RealtimeAnswer } from "./internal/facade/resources/realtime.js"

export {
  /**
   * `client.embeddings`.
   *
   * @since 0.1.0
   * @category resources
   */
  EmbeddingsResource
} from "./internal/facade/resources/embeddings.js"

export {
  /**
   * `client.audio` and `client.audio.transcriptions`.
   *
   * @since 0.1.0
   * @category resources
   */
  AudioResource,
  TranscriptionsResource
} from "./internal/facade/resources/audio.js"

/**
 * @since 0.1.0
 * @category models
 */
export type { TranscriptionCreateParams } from "./internal/facade/resources/audio.js"

export {
  /**
   * `client.codex`.
   *
   * @since 0.1.0
   * @category resources
   */
  CodexResource
} from "./internal/facade/resources/codex.js"

// ---------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------

/**
 * The options of `authenticate`.
 *
 * @since 0.1.0
 * @category models
 */
export interface AuthenticateOptions {
  /**
   * What to do when `auth.json` holds no usable credentials: run the browser login
   * (PKCE, callback on `127.0.0.1:1455`), the device-code login, or reject with
   * `AuthExpired` (`false`). Default: `"browser"` in a terminal, `false` otherwise.
   */
  readonly login?: "browser" | "device" | false | undefined
  /** Receives the browser login's URL (it is also opened in the system browser). */
  readonly onUrl?: ((url: string) => void) | undefined
  /** Receives the device login's code and where to enter it (default: printed to stderr). */
  readonly onCode?: ((code: OAuth.DeviceCode) => void) | undefined
  /**
   * Obtain a Platform API key too (the Python SDK's `request_api_key`; stored as
   * `OPENAI_API_KEY`, used by `realtime.websocketHeaders`): after a browser or device
   * login, and for a login already stored that has none. Default: `true` for the browser
   * login (as the Codex CLI does), `false` otherwise. An account without a Platform
   * organisation gets no key; that is not an error.
   */
  readonly requestApiKey?: boolean | undefined
}

const defaultLogin = ():
  | "browser"
  | false => (process.stdin.isTTY === true && process.stdout.isTTY === true ? "browser" : false)

/**
 * The Promise client in openai-node's shape. `new OpenAI()` reads the configuration
 * from the environment like `CodexClient.layer`; `authenticate()` loads (or obtains)
 * the ChatGPT login; every group answers in openai-node's casing. Close it with
 * `close()` (or `await using`); a process that never does still exits.
 *
 * @example
 * ```ts
 * import { CodexOpenAI, RateLimitError } from "codex-backend-sdk/OpenAI"
 *
 * const client = await new CodexOpenAI().authenticate({ login: "device" })
 * try {
 *   const stream = client.responses.stream({ input: "Write a haiku." })
 *   stream.on("response.output_text.delta", (event) => process.stdout.write(event.delta))
 *   const response = await stream.finalResponse()
 *   console.log(response.usage?.total_tokens)
 * } catch (error) {
 *   if (error instanceof RateLimitError) console.error(`Try again at ${error.resetsAt?.toLocaleString()}`)
 *   else throw error
 * }
 * ```
 *
 * @since 0.1.0
 * @category client
 */
export class OpenAI implements AsyncDisposable {
  static readonly OpenAIError = Errors.OpenAIError
  static readonly APIError = Errors.APIError
  static readonly BadRequestError = Errors.BadRequestError
  static readonly AuthenticationError = Errors.AuthenticationError
  static readonly PermissionDeniedError = Errors.PermissionDeniedError
  static readonly NotFoundError = Errors.NotFoundError
  static readonly ConflictError = Errors.ConflictError
  static readonly UnprocessableEntityError = Errors.UnprocessableEntityError
  static readonly RateLimitError = Errors.RateLimitError
  static readonly InternalServerError = Errors.InternalServerError
  static readonly APIConnectionError = Errors.APIConnectionError
  static readonly APIConnectionTimeoutError = Errors.APIConnectionTimeoutError
  static readonly APIUserAbortError = Errors.APIUserAbortError
  /** openai-node's `toFile` (also a module export). */
  static readonly toFile = Files.toFile

  readonly responses: ResponsesResource
  readonly models: ModelsResource
  readonly realtime: RealtimeResource
  readonly embeddings: EmbeddingsResource
  readonly audio: AudioResource
  readonly codex: CodexResource
  /** Stateful conversations (`Conversation`), kept in this client's memory. */
  readonly conversations: ConversationsResource
  private readonly engine: Engine

  constructor(options: ClientOptions = {}) {
    const {
      accountId,
      apiKey,
      baseURL,
      defaultHeaders,
      fetch,
      layer,
      logLevel,
      logger,
      maxRetries,
      responseStore,
      timeout,
      ...config
    } = options
    Options.check(options, layer !== undefined)
    const node = { accountId, apiKey, baseURL, defaultHeaders, fetch, logLevel, logger, maxRetries, timeout }
    this.engine = new Engine(() => layer ?? Options.layer(node, config))
    this.responses = new ResponsesResource(
      this.engine,
      responseStore === undefined ? undefined : ResponseStore.make(responseStore)
    )
    this.models = new ModelsResource(this.engine)
    this.realtime = new RealtimeResource(this.engine)
    this.embeddings = new EmbeddingsResource(this.engine)
    this.audio = new AudioResource(this.engine)
    this.codex = new CodexResource(this.engine)
    this.conversations = new ConversationsResource(this.engine)
  }

  /**
   * Loads the credentials (`$CODEX_HOME/auth.json`, refreshed when stale) and resolves to
   * this client. Without usable credentials it runs the chosen login, or rejects with
   * `AuthExpired` (`login: false`, the default outside a terminal). Over a stack without
   * `CodexAuth` it resolves at once.
   */
  async authenticate(options: AuthenticateOptions = {}): Promise<this> {
    const login = options.login === undefined ? defaultLogin() : options.login
    const runtime = await this.engine.runtime()
    const program = Effect.gen(function*() {
      const auth = yield* Effect.serviceOption(CodexAuth.CodexAuth)
      if (Option.isNone(auth)) return
      const store = yield* Effect.serviceOption(TokenStore.TokenStore)
      const config = yield* Effect.serviceOption(CodexConfig.CodexConfig)
      const transport = yield* Effect.serviceOption(CodexTransport.CodexTransport)
      const withStore = <A, E>(
        effect: Effect.Effect<A, E, TokenStore.TokenStore | CodexConfig.CodexConfig | CodexTransport.CodexTransport>
      ) =>
        Option.isNone(store) || Option.isNone(config) || Option.isNone(transport) ? Effect.succeedNone : effect.pipe(
          Effect.provideService(TokenStore.TokenStore, store.value),
          Effect.provideService(CodexConfig.CodexConfig, config.value),
          Effect.provideService(CodexTransport.CodexTransport, transport.value),
          Effect.asSome
        )
      const first = yield* Effect.either(auth.value.credentials)
      if (Either.isLeft(first)) {
        const error = first.left
        if (error._tag !== "AuthExpired" || login === false) return yield* Effect.fail(error)
        const { onCode, onUrl, requestApiKey } = options
        const apiKey = requestApiKey === undefined ? {} : { requestApiKey }
        const signIn = login === "device"
          ? OAuth.loginDevice({
            ...apiKey,
            ...(onCode === undefined ? {} : { onCode: (code) => Effect.sync(() => onCode(code)) })
          })
          : OAuth.login({
            ...apiKey,
            ...(onUrl === undefined ? {} : { onUrl: (url) => Effect.sync(() => onUrl(url)) })
          })
        if (Option.isNone(yield* withStore(signIn))) return yield* Effect.fail(error)
        yield* auth.value.credentials
      }
      if (options.requestApiKey === true) yield* withStore(OAuth.requestApiKey)
    })
    settle(await Runtime.runPromiseExit(runtime)(program))
    return this
  }

  /** Releases the runtime (connections, the services' scopes). Later calls reject. */
  close(): Promise<void> {
    return this.engine.close()
  }

  /** `await using client = new OpenAI()` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }
}

/**
 * The same class under a name that does not shadow openai-node's `OpenAI`.
 *
 * @since 0.1.0
 * @category client
 */
export const CodexOpenAI = OpenAI

/**
 * @since 0.1.0
 * @category client
 */
export type CodexOpenAI = OpenAI

/**
 * The client as the module's default export, as openai-node's: `import OpenAI from "codex-backend-sdk/OpenAI"`.
 *
 * @since 0.1.0
 * @category client
 */
export default OpenAI
