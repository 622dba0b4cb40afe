/**
 * The emulator's routes: `/responses` and its legacy `/compact` (§5, §8), `/models` (§9),
 * realtime calls, the `api.openai.com` routes (§11), the wham routes, the routes a Codex
 * CLI turn touches (§12.4) and the issuer's; each with the scripts it takes, the
 * credentials it asks for, what the backend rejects and its answer when nothing is
 * scripted. Any other path is 404, and any `Host` but the emulator's loopback names 421,
 * over HTTP and on the WebSocket route (whose answers are built here too).
 *
 * @internal
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Effect } from "effect"
import type { Options } from "../../CodexEmulator.js"
import { isRecord } from "../jsonGuards.js"
import * as Api from "./api.js"
import * as ClientRoutes from "./clientRoutes.js"
import { withinContext } from "./context.js"
import * as Handlers from "./handlers.js"
import type { UploadedFile } from "./incoming.js"
import { isUploadedFile } from "./incoming.js"
import type { Issuer } from "./issuer.js"
import * as Catalog from "./models.js"
import * as Realtime from "./realtime.js"
import type { Reply } from "./replies.js"
import { http, sse } from "./replies.js"
import { compacted, compactionReply, defaultReply, isCompactionRequest } from "./responses.js"
import { breach, detail } from "./rules.js"
import type { State } from "./state.js"
import type { Hooks } from "./websocket.js"
import * as Wham from "./wham.js"

/** What the routes answer from. @internal */
export interface Emulator {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly port: number
  readonly options: Options
  readonly state: State
  readonly issuer: Issuer
}

/**
 * The `Host` values the emulator answers: its loopback names with its port. Any other
 * (a DNS-rebinding page whose name resolves to 127.0.0.1) is refused with 421, so a web
 * page cannot drive a running emulator.
 */
const loopbackHosts = (port: number) => new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`])

const misdirected = {
  detail: "Misdirected request: the emulator answers only Host 127.0.0.1, localhost or [::1] with its port"
}

const found = (value: unknown, what: string): Reply =>
  value === undefined ? http(404, { detail: `${what} not found` }) : http(200, value)

/**
 * The emulator's HTTP app (every route behind the `Host` check) and the hooks of its
 * WebSocket route, given the emulator's clock (epoch ms).
 *
 * @internal
 */
export const make = ({ issuer, options, port, state, url }: Emulator) => {
  const { issuerRoute, notFound, serve, unauthorized } = Handlers.make(url, options, state)

  const responsesRoute = (route: "responses" | "compact") =>
    serve(
      route,
      "chatgpt",
      ({ body }) =>
        !isRecord(body) ? detail("Request body must be a JSON object") : route === "compact"
          ? http(200, compacted(body))
          : isCompactionRequest(body)
          ? compactionReply(body)
          : withinContext(body, state.catalog, defaultReply),
      ({ body }) =>
        route === "compact" && options.legacyCompaction !== true
          ? http(404, {
            detail:
              "Not Found: POST /responses/compact is retired; compact with a compaction_trigger item on /responses"
          })
          : breach(route, body, state.served())
    )

  const taskRoute = (answer: (params: Readonly<Record<string, string | undefined>>) => Reply) =>
    serve("tasks", "chatgpt", ({ params }) => answer(params))

  const router = HttpRouter.empty.pipe(
    HttpRouter.post("/backend-api/codex/responses", responsesRoute("responses")),
    HttpRouter.post("/backend-api/codex/responses/compact", responsesRoute("compact")),
    HttpRouter.post("/api/codex/responses", responsesRoute("responses")),
    HttpRouter.post("/api/codex/responses/compact", responsesRoute("compact")),
    HttpRouter.get(
      "/backend-api/codex/models",
      serve(
        "models",
        "chatgpt",
        ({ query }) =>
          http(200, { models: Catalog.forClient(state.catalog, query.get("client_version") ?? "0.0.0") }, {
            etag: state.modelsEtag
          }),
        ({ query }) =>
          /^\d+\.\d+\.\d+$/.test(query.get("client_version") ?? "")
            ? undefined
            : detail("client_version must be MAJOR.MINOR.PATCH")
      )
    ),
    HttpRouter.post(
      "/backend-api/codex/realtime/calls",
      serve("realtime", "chatgpt", ({ body }) => {
        const offer = typeof body === "string" ? body : isRecord(body) ? String(body["sdp"]) : ""
        state.realtimeCalls += 1
        return http(201, Realtime.sdpAnswer(offer), {
          "content-type": "application/sdp",
          location: `/v1/realtime/calls/rtc_emulated${state.realtimeCalls}?intent=quicksilver`
        })
      }, ({ body, contentType, query }) => {
        if (contentType.startsWith("application/sdp")) {
          return typeof body === "string" && body.trim() !== "" ? undefined : detail("The SDP offer is empty")
        }
        if (query.get("intent") !== "quicksilver") return detail("The JSON form needs ?intent=quicksilver")
        const problem = Realtime.realtimeSessionError(body)
        return problem === undefined ? undefined : detail(problem)
      })
    ),
    HttpRouter.post(
      "/v1/embeddings",
      serve("embeddings", "api", ({ body }) => {
        const result = isRecord(body) ? Api.embeddings(body) : "the body must be a JSON object"
        return typeof result === "string"
          ? http(400, { error: { type: "invalid_request_error", message: result } })
          : http(200, result)
      })
    ),
    HttpRouter.post(
      "/v1/audio/transcriptions",
      serve("transcriptions", "api", ({ body }) => {
        const file: UploadedFile = isRecord(body) && isUploadedFile(body["file"])
          ? body["file"]
          : { name: "?", type: "?", size: 0 }
        const text = Api.transcript(file)
        if (isRecord(body) && body["stream"] === "true") return sse(Api.transcriptEvents(text))
        return isRecord(body) && body["response_format"] === "text" ? http(200, text) : http(200, { text })
      }, ({ body, contentType }) => {
        if (!contentType.startsWith("multipart/form-data") || !isRecord(body)) {
          return http(400, { error: { type: "invalid_request_error", message: "Expected multipart/form-data" } })
        }
        if (!isUploadedFile(body["file"])) {
          return http(400, { error: { type: "invalid_request_error", message: "'file' is required", param: "file" } })
        }
        if (typeof body["model"] !== "string") {
          return http(400, {
            error: { type: "invalid_request_error", message: "'model' is required", param: "model" }
          })
        }
        const format = body["response_format"]
        return format === undefined || format === "json" || format === "text"
          ? undefined
          : http(400, {
            error: {
              type: "invalid_request_error",
              message: `response_format '${String(format)}' is not supported`,
              param: "response_format"
            }
          })
      })
    ),
    HttpRouter.get("/backend-api/wham/usage", serve("usage", "chatgpt", () => http(200, Wham.usage(Date.now())))),
    HttpRouter.get(
      "/backend-api/wham/tasks/list",
      serve("tasks", "chatgpt", ({ query }) => http(200, Wham.taskList(query)))
    ),
    HttpRouter.get(
      "/backend-api/wham/tasks/:taskId",
      taskRoute((p) => found(Wham.taskDetail(p["taskId"] ?? ""), "Task"))
    ),
    HttpRouter.get(
      "/backend-api/wham/tasks/:taskId/turns",
      taskRoute((p) => found(Wham.taskTurns(p["taskId"] ?? ""), "Task"))
    ),
    HttpRouter.get(
      "/backend-api/wham/tasks/:taskId/turns/:turnId/sibling_turns",
      taskRoute((p) => found(Wham.siblingTurns(p["taskId"] ?? "", p["turnId"] ?? ""), "Turn"))
    ),
    HttpRouter.get(
      "/backend-api/wham/environments",
      serve("environments", "chatgpt", () => http(200, Wham.environments))
    ),
    HttpRouter.get("/backend-api/memories", serve("memories", "chatgpt", () => http(200, Wham.memories))),
    HttpRouter.get(
      "/backend-api/user_system_messages",
      serve("userSystemMessages", "chatgpt", () => http(200, Wham.userSystemMessages))
    )
  ).pipe(
    // The routes a Codex CLI turn touches (§12.4).
    HttpRouter.get(
      "/backend-api/wham/accounts/check",
      serve("client", "chatgpt", ({ headers }) =>
        http(
          200,
          ClientRoutes.accountsCheck(
            headers["chatgpt-account-id"] ?? "",
            Handlers.planOf(headers["authorization"] ?? "")
          )
        ))
    ),
    HttpRouter.get(
      "/backend-api/wham/settings/user",
      serve("client", "chatgpt", () => http(200, ClientRoutes.userSettings))
    ),
    HttpRouter.get(
      "/backend-api/ps/plugins/installed",
      serve("client", "chatgpt", () => http(200, ClientRoutes.noPlugins))
    ),
    HttpRouter.get(
      "/backend-api/ps/plugins/suggested/codex",
      serve("client", "chatgpt", () => http(200, ClientRoutes.noPlugins))
    ),
    HttpRouter.post(
      "/backend-api/ps/mcp",
      serve("client", "open", ({ body }) => {
        const answer = ClientRoutes.mcp(body)
        return answer === undefined ? http(202, "") : http(200, answer)
      })
    ),
    HttpRouter.post("/backend-api/codex/analytics-events/events", serve("client", "chatgpt", () => http(202, "")))
  ).pipe(
    HttpRouter.get(
      "/oauth/authorize",
      issuerRoute((request) => issuer.authorize(new URL(request.url, url).searchParams))
    ),
    HttpRouter.post(
      "/oauth/token",
      issuerRoute((request, raw) => issuer.token(request.headers["content-type"] ?? "", raw), "token")
    ),
    HttpRouter.post("/oauth/revoke", issuerRoute((_, raw) => issuer.revoke(raw))),
    HttpRouter.post("/api/accounts/deviceauth/usercode", issuerRoute(() => issuer.userCode())),
    HttpRouter.post("/api/accounts/deviceauth/token", issuerRoute((_, raw) => issuer.deviceToken(raw))),
    HttpRouter.all("*", notFound)
  )

  const hosts = loopbackHosts(port)

  /** Every route, for a loopback `Host` only. */
  const app = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    if (hosts.has((request.headers["host"] ?? "").toLowerCase())) return router
    options.onRequest?.({ method: request.method, path: request.url, status: 421, body: undefined })
    return Effect.succeed(HttpServerResponse.unsafeJson(misdirected, { status: 421 }))
  })

  /** The WebSocket route of `/responses` (§13): the same checks, scripts and answers as over SSE. */
  const webSocket = (now: () => number): Hooks => ({
    refuse: (headers) =>
      (hosts.has((headers["host"] ?? "").toLowerCase()) ? undefined : http(421, misdirected)) ??
        unauthorized(headers, "chatgpt") ??
        state.nextIf("responses", (reply) => reply._tag === "Http" && reply.status >= 400),
    answer: (body) =>
      breach("responses", body, state.served()) ?? state.next("responses") ??
        (isCompactionRequest(body) ? compactionReply(body) : withinContext(body, state.catalog, defaultReply)),
    etag: () => state.modelsEtag,
    record: (request, status) => {
      state.keep(request, 0)
      options.onRequest?.({ method: request.method, path: request.path, status, body: request.body })
    },
    now
  })

  return { app, webSocket }
}
