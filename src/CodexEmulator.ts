/**
 * A built-in emulator of the Codex backend: a real HTTP server on loopback that speaks
 * the wire protocol (`/responses` as SSE framed like the backend, `/responses/compact`),
 * validates requests the way the backend does, and is scriptable per test, with fault
 * injection (429 usage limits, 5xx, `response.failed`, cut and reset streams, stalls,
 * malformed frames, chunking down to one byte, any line ending).
 *
 * Unscripted requests get a plausible answer computed from the request: an echo of the
 * last user message, a call of the first function tool (then an answer that quotes the
 * tool's output), JSON that fits a requested `json_schema`, a reasoning summary when
 * reasoning is asked for. This is what `npm run demo` talks to.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { CodexEmulator, Responses } from "codex-backend-sdk"
 *
 * const program = Effect.gen(function*() {
 *   const emulator = yield* CodexEmulator.CodexEmulator
 *   yield* emulator.script(CodexEmulator.text("PONG"))
 *   const responses = yield* Responses.Responses
 *   const response = yield* responses.create({ input: "Say PONG." })
 *   return response.output_text // "PONG"
 * }).pipe(Effect.provide(CodexEmulator.layerClient()))
 * ```
 *
 * @since 0.1.0
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import type { HttpClient, HttpServerError } from "@effect/platform"
import { NodeHttpClient, NodeHttpServer, NodeHttpServerRequest } from "@effect/platform-node"
import type { ConfigError } from "effect"
import { Chunk, Context, Effect, Layer, Ref, Stream } from "effect"
import * as Http from "node:http"
import * as CodexAuth from "./CodexAuth.js"
import * as CodexClient from "./CodexClient.js"
import * as CodexConfig from "./CodexConfig.js"
import * as Events from "./internal/emulatorEvents.js"
import type { IssuerOptions, IssuerReply } from "./internal/emulatorIssuer.js"
import { Issuer, jwt } from "./internal/emulatorIssuer.js"
import { knownUnsupported } from "./internal/request.js"
import type { ResponseStreamEvent } from "./ResponseStreamEvent.js"
import * as Responses from "./Responses.js"
import * as TokenStore from "./TokenStore.js"
import { isRecord } from "./internal/json.js"

type Json = Record<string, unknown>

/**
 * A frame of an SSE reply: an event object (sent as `event: <type>` + `data: <json>`) or
 * raw text written verbatim (a comment, a malformed frame...).
 *
 * @since 0.1.0
 * @category models
 */
export type Frame = ResponseStreamEvent | Json | { readonly raw: string }

/**
 * How an SSE reply ends: `"complete"` closes the body normally after the frames; `"stall"`
 * keeps the connection open and silent; `"reset"` destroys the socket.
 *
 * @since 0.1.0
 * @category models
 */
export type Ending = "complete" | "stall" | "reset"

/**
 * A scripted reply.
 *
 * @since 0.1.0
 * @category models
 */
export type Reply =
  | {
    readonly _tag: "Sse"
    readonly frames: ReadonlyArray<Frame>
    readonly ending: Ending
    /** Split the body into chunks of this many bytes (1 = byte by byte); default: one chunk per frame. */
    readonly chunkSize: number | undefined
    readonly lineEnding: "\n" | "\r\n" | "\r"
    readonly headers: Readonly<Record<string, string>>
  }
  | {
    readonly _tag: "Http"
    readonly status: number
    readonly body: string
    readonly headers: Readonly<Record<string, string>>
  }

/**
 * A request the emulator received (any route, valid or not).
 *
 * @since 0.1.0
 * @category models
 */
export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly headers: Readonly<Record<string, string | undefined>>
  /** The parsed JSON body, or the raw text when it was not JSON. */
  readonly body: unknown
}

/**
 * The routes that take scripted replies (`token` is the issuer's `/oauth/token`).
 *
 * @since 0.1.0
 * @category models
 */
export type Route = "responses" | "compact" | "token"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** `CodexConfig` options whose base URLs point at this emulator. */
  readonly config: CodexConfig.Options
  /** Queues replies for the next requests to `route` (default `/responses`), in order. */
  readonly script: (...replies: ReadonlyArray<Reply>) => Effect.Effect<void>
  /** Queues replies for the next requests to a given route. */
  readonly scriptRoute: (route: Route, ...replies: ReadonlyArray<Reply>) => Effect.Effect<void>
  /** Every request received so far. */
  readonly requests: Effect.Effect<ReadonlyArray<RecordedRequest>>
  /** How many SSE connections were closed by the client before the server finished them. */
  readonly abortedStreams: Effect.Effect<number>
  /** Forgets scripts, recorded requests and counters. */
  readonly reset: Effect.Effect<void>
  /** The emulated OAuth issuer (at `url`): counters, and tokens for seeding a store. */
  readonly issuer: {
    /** Issues a valid token set (its refresh token is live); `ttlSeconds` sets the access token's lifetime. */
    readonly issue: (ttlSeconds?: number) => Effect.Effect<{ readonly idToken: string; readonly accessToken: string; readonly refreshToken: string }>
    /** Refresh-grant requests received. */
    readonly refreshRequests: Effect.Effect<number>
    /** Revoke requests received. */
    readonly revocations: Effect.Effect<number>
  }
}

/**
 * @since 0.1.0
 * @category tags
 */
export class CodexEmulator extends Context.Tag("codex-backend-sdk/CodexEmulator")<CodexEmulator, Service>() {}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends IssuerOptions {
  /**
   * Decides whether a bearer token is accepted on the backend routes (default: any
   * non-empty token whose `exp`, when it has one, is in the future).
   */
  readonly acceptToken?: (token: string) => boolean
  /** Port to listen on (default: any free port). Always bound to 127.0.0.1. */
  readonly port?: number
}

// ---------------------------------------------------------------------------------------
// Event builders
// ---------------------------------------------------------------------------------------

/**
 * Options of the event builders: response `id`, `model`, `deltaSize` (characters per
 * delta), a `reasoning` summary to stream first, `completedOutput` (repeat the items in
 * `response.completed`), `doneOnly` (only `output_item.done` per item).
 *
 * @since 0.1.0
 * @category models
 */
export type EventOptions = Events.EventOptions

/**
 * The events of a text answer, framed as the backend frames them (§5.3): created,
 * in_progress, [a reasoning item], a message item with its deltas, and completed with an
 * empty `output`, as the backend usually sends it.
 *
 * @since 0.1.0
 * @category events
 */
export const textEvents: (text: string, options?: EventOptions) => Array<ResponseStreamEvent> = Events.textEvents

/**
 * The events of a function call (`args` is sent as given, in deltas).
 *
 * @since 0.1.0
 * @category events
 */
export const functionCallEvents: (
  name: string,
  args: string,
  options?: EventOptions & { readonly callId?: string }
) => Array<ResponseStreamEvent> = Events.functionCallEvents

/**
 * Created, then `response.failed` with `error: {code, message}`.
 *
 * @since 0.1.0
 * @category events
 */
export const failedEvents: (code: string, message: string) => Array<ResponseStreamEvent> = Events.failedEvents

/**
 * A text answer that ends in `response.incomplete` with the given reason.
 *
 * @since 0.1.0
 * @category events
 */
export const incompleteEvents: (text: string, reason: string) => Array<ResponseStreamEvent> = Events.incompleteEvents

// ---------------------------------------------------------------------------------------
// Reply builders
// ---------------------------------------------------------------------------------------

/**
 * An SSE reply.
 *
 * @since 0.1.0
 * @category replies
 */
export const sse = (
  frames: ReadonlyArray<Frame>,
  options: {
    readonly ending?: Ending
    readonly chunkSize?: number
    readonly lineEnding?: "\n" | "\r\n" | "\r"
    readonly headers?: Readonly<Record<string, string>>
  } = {}
): Reply => ({
  _tag: "Sse",
  frames,
  ending: options.ending ?? "complete",
  chunkSize: options.chunkSize,
  lineEnding: options.lineEnding ?? "\n",
  headers: options.headers ?? {}
})

/**
 * A text answer as an SSE reply.
 *
 * @since 0.1.0
 * @category replies
 */
export const text = (answer: string, options: EventOptions = {}): Reply => sse(textEvents(answer, options))

/**
 * A function call as an SSE reply.
 *
 * @since 0.1.0
 * @category replies
 */
export const functionCall = (name: string, args: unknown, options: EventOptions & { readonly callId?: string } = {}): Reply =>
  sse(functionCallEvents(name, typeof args === "string" ? args : JSON.stringify(args), options))

/**
 * A plain HTTP reply (`body` objects are sent as JSON).
 *
 * @since 0.1.0
 * @category replies
 */
export const http = (status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): Reply => ({
  _tag: "Http",
  status,
  body: typeof body === "string" ? body : JSON.stringify(body),
  headers: typeof body === "string" ? { "content-type": "text/plain", ...headers } : { "content-type": "application/json", ...headers }
})

/**
 * A 429 usage-limit reply with its rate-limit headers.
 *
 * @since 0.1.0
 * @category replies
 */
export const usageLimit = (options: { readonly planType?: string; readonly resetsAt?: number } = {}): Reply =>
  http(
    429,
    {
      error: {
        type: "usage_limit_reached",
        message: "The usage limit has been reached",
        plan_type: options.planType ?? "plus",
        resets_at: options.resetsAt ?? 1767240000,
        eligible_promo: null
      }
    },
    {
      "x-codex-primary-used-percent": "100",
      "x-codex-primary-window-minutes": "300",
      "x-codex-primary-reset-at": String(options.resetsAt ?? 1767240000),
      "x-codex-secondary-used-percent": "40",
      "x-codex-secondary-window-minutes": "10080",
      "x-codex-active-limit": "codex",
      "x-codex-promo-message": "Upgrade for more usage",
      "x-request-id": "req_emulated_429"
    }
  )

// ---------------------------------------------------------------------------------------
// The default responder
// ---------------------------------------------------------------------------------------

/** A value that fits a JSON Schema, for emulated structured output and tool arguments. */
const exampleOf = (schema: unknown, name = "value"): unknown => {
  if (!isRecord(schema)) return null
  if (Array.isArray(schema["enum"]) && schema["enum"].length > 0) return schema["enum"][0]
  if ("const" in schema) return schema["const"]
  for (const key of ["anyOf", "oneOf"]) {
    const list = schema[key]
    if (Array.isArray(list) && list.length > 0) return exampleOf(list[0], name)
  }
  const type = Array.isArray(schema["type"]) ? schema["type"][0] : schema["type"]
  switch (type) {
    case "object": {
      const out: Json = {}
      const properties = isRecord(schema["properties"]) ? schema["properties"] : {}
      for (const [key, value] of Object.entries(properties)) out[key] = exampleOf(value, key)
      return out
    }
    case "array":
      return [exampleOf(schema["items"], name)]
    case "integer":
      return 42
    case "number":
      return 4.2
    case "boolean":
      return true
    case "null":
      return null
    default:
      return name === "city" ? "Paris" : `example ${name}`
  }
}

const lastUserText = (input: ReadonlyArray<unknown>): string => {
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i]
    if (isRecord(item) && item["role"] === "user" && Array.isArray(item["content"])) {
      return item["content"].map((part) => (isRecord(part) && typeof part["text"] === "string" ? part["text"] : "")).join("")
    }
  }
  return ""
}

/** The answer to an unscripted request, computed from it. */
const defaultReply = (body: Json): Reply => {
  const input = Array.isArray(body["input"]) ? body["input"] : []
  const model = typeof body["model"] === "string" ? body["model"] : "gpt-5.4"
  const reasoning = isRecord(body["reasoning"]) && typeof body["reasoning"]["summary"] === "string"
    ? "The user wants a short, direct answer."
    : undefined
  const options: EventOptions = { model, ...(reasoning === undefined ? {} : { reasoning }) }
  const outputs = input.filter((item) => isRecord(item) && item["type"] === "function_call_output")
  const tools = Array.isArray(body["tools"]) ? body["tools"].filter(isRecord) : []
  const tool = tools.find((t) => t["type"] === "function")
  if (outputs.length === 0 && tool !== undefined && typeof tool["name"] === "string") {
    return functionCall(tool["name"], exampleOf(tool["parameters"] ?? { type: "object" }), options)
  }
  if (outputs.length > 0) {
    const last = outputs[outputs.length - 1]
    return text(`The tool returned ${isRecord(last) ? String(last["output"]) : ""}.`, options)
  }
  const format = isRecord(body["text"]) ? body["text"]["format"] : undefined
  if (isRecord(format) && format["type"] === "json_schema") {
    return text(JSON.stringify(exampleOf(format["schema"])), options)
  }
  return text(`You said: ${lastUserText(input)}`, options)
}

// ---------------------------------------------------------------------------------------
// Validation, as the backend does it (§4.2)
// ---------------------------------------------------------------------------------------

const detail = (message: string): Reply => http(400, { detail: message })

const validateItems = (input: unknown): Reply | undefined => {
  if (!Array.isArray(input)) return undefined
  const calls = new Set<string>()
  for (const item of input) {
    if (!isRecord(item)) continue
    if (item["type"] === "item_reference") return detail(`Item with id '${String(item["id"])}' not found.`)
    if (item["type"] === "function_call" || item["type"] === "custom_tool_call") calls.add(String(item["call_id"]))
    if (
      (item["type"] === "function_call_output" || item["type"] === "custom_tool_call_output") &&
      !calls.has(String(item["call_id"]))
    ) {
      return detail(`No tool call found for function call output with call_id ${String(item["call_id"])}.`)
    }
  }
  return undefined
}

const validateResponses = (body: Json): Reply | undefined => {
  if (body["stream"] !== true) return detail("Stream must be set to true")
  if (body["store"] !== false) return detail("Store must be set to false")
  if (typeof body["instructions"] !== "string") return detail("Instructions are required")
  return validateCommon(body) ??
    (Array.isArray(body["tools"]) && body["tools"].length > 0 && body["tool_choice"] === undefined
      ? detail("tool_choice is required when tools are provided")
      : undefined)
}

const validateCommon = (body: Json): Reply | undefined => {
  for (const name of knownUnsupported) {
    if (name in body) return detail(`Unsupported parameter: ${name}`)
  }
  const model = body["model"]
  if (typeof model !== "string" || model === "") return detail("Model is required")
  if (model.endsWith("-pro")) {
    return detail(`The '${model}' model is not supported when using Codex with a ChatGPT account.`)
  }
  const tier = body["service_tier"]
  if (tier !== undefined && tier !== "default" && tier !== "priority") {
    return detail(`Invalid service_tier: ${String(tier)}`)
  }
  return validateItems(body["input"])
}

// ---------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------

const encoder = new TextEncoder()

const frameText = (frame: Frame, eol: string): string => {
  if ("raw" in frame && typeof frame.raw === "string" && Object.keys(frame).length === 1) return frame.raw
  const type = "type" in frame && typeof frame.type === "string" ? frame.type : "message"
  return `event: ${type}${eol}data: ${JSON.stringify(frame)}${eol}${eol}`
}

const splitBytes = (bytes: Uint8Array, size: number): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size))
  return out
}

/**
 * Starts the emulator in the current scope; it stops when the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}) =>
  Effect.gen(function*() {
    const server = yield* NodeHttpServer.make(() => Http.createServer(), { port: options.port ?? 0, host: "127.0.0.1" })
    const address = server.address
    if (address._tag !== "TcpAddress") return yield* Effect.dieMessage("the emulator needs a TCP address")
    const url = `http://127.0.0.1:${address.port}`
    const scripts = yield* Ref.make<Readonly<Record<Route, ReadonlyArray<Reply>>>>({ responses: [], compact: [], token: [] })
    const recorded: Array<RecordedRequest> = []
    const record = (entry: RecordedRequest) => Effect.sync(() => void recorded.push(entry))
    const aborted = yield* Ref.make(0)
    const issuer = new Issuer(url, options)
    const acceptToken = options.acceptToken ?? unexpired

    const next = (route: Route) =>
      Ref.modify(scripts, (all): [Reply | undefined, Readonly<Record<Route, ReadonlyArray<Reply>>>] => {
        const [head, ...rest] = all[route]
        return [head, { ...all, [route]: rest }]
      })

    const send = (reply: Reply, request: HttpServerRequest.HttpServerRequest) => {
      if (reply._tag === "Http") {
        return HttpServerResponse.text(reply.body, { status: reply.status, headers: reply.headers, contentType: reply.headers["content-type"] ?? "application/json" })
      }
      const pieces = reply.chunkSize === undefined
        ? reply.frames.map((frame) => encoder.encode(frameText(frame, reply.lineEnding)))
        : splitBytes(encoder.encode(reply.frames.map((frame) => frameText(frame, reply.lineEnding)).join("")), reply.chunkSize)
      const nodeResponse = NodeHttpServerRequest.toServerResponse(request)
      nodeResponse.once("close", () => {
        if (!nodeResponse.writableEnded) Effect.runSync(Ref.update(aborted, (n) => n + 1))
      })
      let body: Stream.Stream<Uint8Array> = Stream.fromChunk(Chunk.unsafeFromArray(pieces)).pipe(Stream.rechunk(1))
      if (reply.ending === "stall") body = Stream.concat(body, Stream.never)
      if (reply.ending === "reset") {
        // Give the written frames a moment to reach the client, then break the connection.
        const destroy = Effect.async<void>((resume) => {
          const timer = setTimeout(() => {
            nodeResponse.destroy()
            resume(Effect.void)
          }, 20)
          return Effect.sync(() => clearTimeout(timer))
        })
        body = Stream.concat(body, Stream.drain(Stream.fromEffect(destroy)))
      }
      return HttpServerResponse.stream(body, {
        contentType: "text/event-stream",
        headers: { "cache-control": "no-cache", "x-request-id": "req_emulated", "openai-model": "gpt-5.4", ...reply.headers }
      })
    }

    const handle = (route: Route) =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const raw = yield* Effect.orElseSucceed(request.text, () => "")
        let body: unknown = raw
        try {
          body = JSON.parse(raw)
        } catch {
          // recorded as text
        }
        yield* record({ method: request.method, path: request.url, headers: request.headers, body })
        const authorization = request.headers["authorization"] ?? ""
        const token = authorization.startsWith("Bearer ") ? authorization.slice(7) : ""
        if (!acceptToken(token)) {
          return send(
            http(401, { error: { type: "invalid_request_error", code: "token_expired", message: "Provided authentication token is expired. Please try signing in again." } }, {
              "x-request-id": "req_emulated_401"
            }),
            request
          )
        }
        if (!isRecord(body)) return send(detail("Request body must be a JSON object"), request)
        const invalid = route === "responses" ? validateResponses(body) : validateCommon(body)
        if (invalid !== undefined) return send(invalid, request)
        const scripted = yield* next(route)
        if (scripted !== undefined) return send(scripted, request)
        if (route === "compact") return send(http(200, compacted(body)), request)
        return send(defaultReply(body), request)
      })

    const fromIssuer = (reply: IssuerReply) =>
      typeof reply.body === "string"
        ? HttpServerResponse.text(reply.body, { status: reply.status, headers: { ...reply.headers } })
        : HttpServerResponse.unsafeJson(reply.body, { status: reply.status, headers: { ...reply.headers } })

    /** An issuer route: recorded, scriptable (`token`), answered by the issuer. */
    const issuerRoute = (answer: (request: HttpServerRequest.HttpServerRequest, raw: string) => IssuerReply, route?: Route) =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const raw = yield* Effect.orElseSucceed(request.text, () => "")
        yield* record({ method: request.method, path: request.url, headers: request.headers, body: raw })
        if (route !== undefined) {
          const scripted = yield* next(route)
          if (scripted !== undefined) return send(scripted, request)
        }
        return fromIssuer(answer(request, raw))
      })

    const router = HttpRouter.empty.pipe(
      HttpRouter.post("/backend-api/codex/responses", handle("responses")),
      HttpRouter.post("/backend-api/codex/responses/compact", handle("compact")),
      HttpRouter.post("/api/codex/responses", handle("responses")),
      HttpRouter.post("/api/codex/responses/compact", handle("compact")),
      HttpRouter.get("/oauth/authorize", issuerRoute((request) => issuer.authorize(new URL(request.url, url).searchParams))),
      HttpRouter.post(
        "/oauth/token",
        issuerRoute((request, raw) => issuer.token(request.headers["content-type"] ?? "", raw), "token")
      ),
      HttpRouter.post("/oauth/revoke", issuerRoute((_, raw) => issuer.revoke(raw))),
      HttpRouter.post("/api/accounts/deviceauth/usercode", issuerRoute(() => issuer.userCode())),
      HttpRouter.post("/api/accounts/deviceauth/token", issuerRoute((_, raw) => issuer.deviceToken(raw)))
    )
    yield* server.serve(router)

    const service: Service = {
      url,
      config: {
        codexBaseUrl: `${url}/backend-api/codex`,
        chatgptBaseUrl: `${url}/backend-api`,
        openaiBaseUrl: `${url}/v1`,
        authIssuer: url
      },
      script: (...replies) => Ref.update(scripts, (all) => ({ ...all, responses: [...all.responses, ...replies] })),
      scriptRoute: (route, ...replies) => Ref.update(scripts, (all) => ({ ...all, [route]: [...all[route], ...replies] })),
      requests: Effect.sync(() => recorded.slice()),
      abortedStreams: Ref.get(aborted),
      issuer: {
        issue: (ttl) => Effect.sync(() => issuer.issue(ttl)),
        refreshRequests: Effect.sync(() => issuer.refreshRequests),
        revocations: Effect.sync(() => issuer.revocations)
      },
      reset: Effect.all([
        Ref.set(scripts, { responses: [], compact: [], token: [] }),
        Effect.sync(() => void recorded.splice(0)),
        Ref.set(aborted, 0)
      ], { discard: true })
    }
    return service
  })

/** The default token check: non-empty, and not past its `exp` (when it is a JWT with one). */
const unexpired = (token: string): boolean => {
  if (token === "") return false
  const payload = token.split(".")[1]
  if (payload === undefined) return true
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"))
    const exp = isRecord(claims) ? claims["exp"] : undefined
    return typeof exp !== "number" || exp * 1000 > Date.now()
  } catch {
    return true
  }
}

/** The emulated compaction: user messages kept, everything else folded into one compaction item. */
const compacted = (body: Json) => {
  const input = Array.isArray(body["input"]) ? body["input"] : []
  const kept = input.filter((item) => isRecord(item) && item["type"] === "message" && item["role"] === "user")
  const folded = input.length - kept.length
  return {
    id: "cmp_emulated",
    object: "response.compacted",
    output: [
      ...kept,
      { type: "compaction", encrypted_content: `gAAAAB-emulated-compaction-of-${folded}-items` }
    ],
    usage: { input_tokens: 100 * input.length, output_tokens: 50, total_tokens: 100 * input.length + 50 }
  }
}

/**
 * The emulator as a layer (listening on 127.0.0.1 for the layer's lifetime).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<CodexEmulator, HttpServerError.ServeError> =>
  Layer.scoped(CodexEmulator, make(options))

/**
 * A JWT-shaped token (unsigned) with the given claims, as the emulator and tests use.
 *
 * @since 0.1.0
 * @category utils
 */
export const fakeJwt = (claims: Readonly<Record<string, unknown>>): string => jwt({ ...claims })

/**
 * The emulator plus the whole live client stack pointed at it. By default requests are
 * signed with a fake token for the account `acct_emulated`; `auth` provides other
 * credentials, and `codexHome` runs the real credential stack instead (an `auth.json` in
 * that directory, kept fresh by `CodexAuth.layer` against the emulated issuer). `config`
 * overrides any `CodexConfig` option.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerClient = (
  options: Options & {
    readonly config?: CodexConfig.Options
    readonly auth?: Layer.Layer<CodexAuth.CodexAuth>
    readonly codexHome?: string
  } = {}
): Layer.Layer<
  | CodexEmulator
  | CodexClient.CodexClient
  | Responses.Responses
  | CodexConfig.CodexConfig
  | CodexAuth.CodexAuth
  | TokenStore.TokenStore
  | HttpClient.HttpClient,
  HttpServerError.ServeError | ConfigError.ConfigError
> => {
  const config = Layer.unwrapEffect(
    Effect.map(CodexEmulator, (emulator) =>
      CodexConfig.layer({
        ...emulator.config,
        ...(options.codexHome === undefined ? {} : { codexHome: options.codexHome }),
        ...options.config
      }))
  )
  const base = Layer.mergeAll(config, NodeHttpClient.layerUndici)
  const credentials = options.codexHome !== undefined
    ? CodexAuth.layer().pipe(Layer.provideMerge(TokenStore.layerFile()), Layer.provideMerge(base))
    : Layer.mergeAll(
      options.auth ?? CodexAuth.layerTokens({
        accessToken: fakeJwt({
          exp: 4102444800,
          "https://api.openai.com/auth": { chatgpt_account_id: "acct_emulated", chatgpt_plan_type: "plus" }
        })
      }),
      TokenStore.layerMemory(),
      base
    )
  return CodexClient.layerServices.pipe(Layer.provideMerge(credentials), Layer.provideMerge(layer(options)))
}
