/**
 * HTTP upgrades (WebSocket handshakes) at the emulator: the one place that decides what an
 * upgrade gets, so the WebSocket transport can replace it. Until then `/responses`
 * answers 426, which tells the Codex CLI to use HTTP/SSE (protocol §13).
 *
 * @internal
 */
import * as Http from "node:http"
import type { Reply } from "./replies.js"
import { http } from "./replies.js"

/**
 * The emulator's Node server. An upgraded socket leaves Node's HTTP error handling, so a
 * client that resets it after the handshake would raise an unhandled `'error'` and kill
 * the process: every upgraded socket gets a listener first.
 *
 * @internal
 */
export const createServer = (): Http.Server => {
  const server = Http.createServer()
  server.on("upgrade", (_request: Http.IncomingMessage, socket: NodeJS.EventEmitter) => {
    socket.on("error", () => undefined)
  })
  return server
}

/** Whether a request asks for a WebSocket. @internal */
export const isWebSocketUpgrade = (headers: Readonly<Record<string, string | undefined>>): boolean =>
  (headers["upgrade"] ?? "").toLowerCase() === "websocket"

/** The answer to a WebSocket handshake on `/responses` (§13: 426 = use HTTP). @internal */
export const upgradeRequired: Reply = http(426, {
  detail: "The emulator serves /responses over HTTP/SSE only; WebSocket upgrades are not supported."
}, { connection: "close" })
