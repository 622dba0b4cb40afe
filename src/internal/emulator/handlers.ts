/**
 * How the emulator handles a request, whatever its route: it reads the body (at most
 * `maxBodyBytes`; 413 past it), records it, checks the credentials the route takes, runs
 * the route's validation, answers with the next scripted reply or the route's own answer,
 * and sends it (an SSE body with its chunking, line ending and ending, or a plain reply),
 * reporting the status to `onRequest`.
 *
 * @internal
 */
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Chunk, Effect, Stream } from "effect"
import type { Options, RecordedRequest, Route } from "../../CodexEmulator.js"
import { isRecord } from "../jsonGuards.js"
import { decodeBody, parseBody } from "./incoming.js"
import type { IssuerReply } from "./issuer.js"
import { redactIssuerBody } from "./issuer.js"
import type { Frame, Reply } from "./replies.js"
import { http } from "./replies.js"
import type { State } from "./state.js"

type Headers = Readonly<Record<string, string | undefined>>

/**
 * Which credentials a route takes: the chatgpt.com headers, a bare bearer (api.openai.com),
 * or none (`ps/mcp`: the CLI 0.169.0 sent its MCP client no bearer on a plain-http origin).
 *
 * @internal
 */
export type Host = "chatgpt" | "api" | "open"

/** A request as a route's answer sees it. @internal */
export interface Incoming {
  readonly headers: Headers
  readonly body: unknown
  readonly contentType: string
  readonly query: URLSearchParams
  readonly params: Readonly<Record<string, string | undefined>>
}

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

const withHeaders = (reply: Reply, headers: Readonly<Record<string, string>>): Reply => ({
  ...reply,
  headers: { ...headers, ...reply.headers }
})

/** The body of a request, at most `max` bytes; `undefined` when it is larger (not kept). */
const readCapped = (request: HttpServerRequest.HttpServerRequest, max: number) =>
  Effect.suspend(() => {
    if (Number(request.headers["content-length"] ?? 0) > max) return Effect.succeed(undefined)
    const chunks: Array<Uint8Array> = []
    let size = 0
    // Past the cap the rest is read and dropped (stopping the stream would destroy the socket before the 413).
    return Stream.runForEach(request.stream, (chunk) =>
      Effect.sync(() => {
        size += chunk.byteLength
        if (size <= max) chunks.push(chunk)
        else chunks.length = 0
      })).pipe(
        Effect.orElse(() => Effect.void),
        Effect.map(() => {
          if (size > max) return undefined
          const bytes = new Uint8Array(size)
          let at = 0
          for (const chunk of chunks) {
            bytes.set(chunk, at)
            at += chunk.byteLength
          }
          return bytes.buffer
        })
      )
  })

/** The claims of a JWT-shaped token (empty when it is not one). */
const claimsOf = (token: string): Readonly<Record<string, unknown>> => {
  const payload = token.split(".")[1]
  if (payload === undefined) return {}
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"))
    return isRecord(claims) ? claims : {}
  } catch {
    return {}
  }
}

/** The default token check: non-empty, and not past its `exp` (when it is a JWT with one). */
const unexpired = (token: string): boolean => {
  if (token === "") return false
  const exp = claimsOf(token)["exp"]
  return typeof exp !== "number" || exp * 1000 > Date.now()
}

/** The plan of the bearer token's account (§2.8), `plus` when it names none. @internal */
export const planOf = (authorization: string): string => {
  const auth = claimsOf(authorization.replace(/^Bearer /, ""))["https://api.openai.com/auth"]
  return isRecord(auth) && typeof auth["chatgpt_plan_type"] === "string" ? auth["chatgpt_plan_type"] : "plus"
}

const fromIssuer = (reply: IssuerReply) =>
  typeof reply.body === "string"
    ? HttpServerResponse.text(reply.body, { status: reply.status, headers: { ...reply.headers } })
    : HttpServerResponse.unsafeJson(reply.body, { status: reply.status, headers: { ...reply.headers } })

/**
 * The request handlers of the emulator at `url`, over its `state`.
 *
 * @internal
 */
export const make = (url: string, options: Options, state: State) => {
  const maxBody = options.maxBodyBytes ?? 32 * 1024 * 1024
  const acceptToken = options.acceptToken ?? unexpired
  const record = (entry: RecordedRequest, size = 0) => Effect.sync(() => state.keep(entry, size))

  const send = (reply: Reply, request: HttpServerRequest.HttpServerRequest) => {
    if (reply._tag === "Http") {
      return HttpServerResponse.text(reply.body, {
        status: reply.status,
        headers: reply.headers,
        contentType: reply.headers["content-type"] ?? "application/json"
      })
    }
    const pieces = reply.chunkSize === undefined
      ? reply.frames.map((frame) => encoder.encode(frameText(frame, reply.lineEnding)))
      : splitBytes(
        encoder.encode(reply.frames.map((frame) => frameText(frame, reply.lineEnding)).join("")),
        reply.chunkSize
      )
    const nodeResponse = NodeHttpServerRequest.toServerResponse(request)
    nodeResponse.once("close", () => {
      if (!nodeResponse.writableEnded) state.aborted += 1
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
      headers: { "cache-control": "no-cache", "x-request-id": "req_emulated", ...reply.headers }
    })
  }

  /** Sends a reply and reports it to `onRequest`. */
  const logged = (request: HttpServerRequest.HttpServerRequest, body: unknown, reply: Reply) => {
    options.onRequest?.({
      method: request.method,
      path: request.url,
      status: reply._tag === "Http" ? reply.status : 200,
      body
    })
    return send(reply, request)
  }

  /** A body over `maxBodyBytes`: 413, recorded without it. */
  const tooLarge = (request: HttpServerRequest.HttpServerRequest) => {
    state.keep({ method: request.method, path: request.url, headers: request.headers, body: undefined }, 0)
    return logged(
      request,
      undefined,
      http(413, { detail: `The request body is larger than the emulator's ${maxBody} bytes` })
    )
  }

  /** A route the emulator does not serve: 404 with a JSON body naming it. */
  const notFound = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const path = request.url.split("?")[0] ?? request.url
    yield* record({ method: request.method, path: request.url, headers: request.headers, body: undefined })
    return logged(
      request,
      undefined,
      http(404, { detail: `Not Found: ${request.method} ${path} is not a route of the emulator` })
    )
  })

  /** Bearer on every backend route; the account header on the chatgpt.com ones (§3, §11). */
  const unauthorized = (headers: Headers, host: Host): Reply | undefined => {
    if (host === "open") return undefined
    const authorization = headers["authorization"] ?? ""
    const token = authorization.startsWith("Bearer ") ? authorization.slice(7) : ""
    if (!acceptToken(token)) {
      return http(401, {
        error: {
          type: "invalid_request_error",
          code: "token_expired",
          message: "Provided authentication token is expired. Please try signing in again."
        }
      }, {
        "x-request-id": "req_emulated_401"
      })
    }
    if (host === "chatgpt" && (headers["chatgpt-account-id"] ?? "") === "") {
      return http(403, { detail: "Missing ChatGPT-Account-ID header" }, { "x-request-id": "req_emulated_403" })
    }
    return undefined
  }

  /**
   * A backend route: records the request, checks its credentials, runs `validate` (what
   * the backend rejects whatever the script says), then answers with the next scripted
   * reply for `route`, else with `answer`.
   */
  const serve = (
    route: Route,
    host: Host,
    answer: (incoming: Incoming) => Reply,
    validate: (incoming: Incoming) => Reply | undefined = () => undefined
  ) =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const raw = yield* readCapped(request, maxBody)
      if (raw === undefined) return tooLarge(request)
      const contentType = request.headers["content-type"] ?? ""
      const bytes = decodeBody(raw, request.headers["content-encoding"] ?? "")
      const body = "unsupported" in bytes
        ? "<undecodable body>"
        : yield* Effect.promise(() => parseBody(bytes, contentType))
      yield* record({ method: request.method, path: request.url, headers: request.headers, body }, raw.byteLength)
      const answered = (reply: Reply) => logged(request, body, reply)
      if ("unsupported" in bytes) return answered(http(415, { detail: bytes.unsupported }))
      const incoming: Incoming = {
        headers: request.headers,
        body,
        contentType,
        query: new URL(request.url, url).searchParams,
        params: yield* HttpRouter.params
      }
      const rejected = unauthorized(request.headers, host) ?? validate(incoming)
      if (rejected !== undefined) return answered(rejected)
      const reply = state.next(route) ?? answer(incoming)
      if (route !== "responses") return answered(reply)
      // The model that served the request (§3): the one asked for, as the backend echoes it.
      const model = isRecord(body) && typeof body["model"] === "string" ? body["model"] : "gpt-5.4"
      return answered(withHeaders(reply, { "x-models-etag": state.modelsEtag, "openai-model": model }))
    })

  /** An issuer route: recorded, scriptable (`token`), answered by the issuer. */
  const issuerRoute = (
    answer: (request: HttpServerRequest.HttpServerRequest, raw: string) => IssuerReply,
    route?: Route
  ) =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const bytes = yield* readCapped(request, maxBody)
      if (bytes === undefined) return tooLarge(request)
      const raw = new TextDecoder().decode(bytes)
      yield* record(
        { method: request.method, path: request.url, headers: request.headers, body: raw },
        bytes.byteLength
      )
      if (route !== undefined) {
        const scripted = state.next(route)
        if (scripted !== undefined) return logged(request, redactIssuerBody(raw), scripted)
      }
      const reply = answer(request, raw)
      options.onRequest?.({
        method: request.method,
        path: request.url,
        status: reply.status,
        body: redactIssuerBody(raw)
      })
      return fromIssuer(reply)
    })

  return { serve, issuerRoute, notFound, unauthorized }
}

/** The handlers of one emulator (`make`'s result). @internal */
export type Handlers = ReturnType<typeof make>
