/**
 * Scripted replies of the emulator and their builders.
 *
 * @internal
 */
import type { ResponseStreamEvent } from "../../ResponseStreamEvent.js"
import * as Events from "./events.js"
import type { EventOptions } from "./events.js"

type Json = Record<string, unknown>

/**
 * A frame of an SSE reply: an event object (sent as `event: <type>` + `data: <json>`) or
 * raw text written verbatim (a comment, a malformed frame...).
 */
export type Frame = ResponseStreamEvent | Json | { readonly raw: string }

/**
 * How an SSE reply ends: `"complete"` closes the body normally after the frames; `"stall"`
 * keeps the connection open and silent; `"reset"` destroys the socket.
 */
export type Ending = "complete" | "stall" | "reset"

/**
 * A scripted reply.
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
 * An SSE reply.
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
 */
export const text = (answer: string, options: EventOptions = {}): Reply => sse(Events.textEvents(answer, options))

/**
 * A function call as an SSE reply.
 */
export const functionCall = (
  name: string,
  args: unknown,
  options: EventOptions & { readonly callId?: string } = {}
): Reply => sse(Events.functionCallEvents(name, typeof args === "string" ? args : JSON.stringify(args), options))

/**
 * A plain HTTP reply (`body` objects are sent as JSON).
 */
export const http = (status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): Reply => ({
  _tag: "Http",
  status,
  body: typeof body === "string" ? body : JSON.stringify(body),
  headers: typeof body === "string"
    ? { "content-type": "text/plain", ...headers }
    : { "content-type": "application/json", ...headers }
})

/**
 * A 429 usage-limit reply with its rate-limit headers.
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

/**
 * Several function calls in one response (parallel tool calls). `arguments` objects are
 * sent as JSON, strings as given (so a test can send invalid JSON).
 */
export const functionCalls = (
  calls: ReadonlyArray<{ readonly name: string; readonly arguments: unknown; readonly callId?: string }>,
  options: EventOptions = {}
): Reply =>
  sse(Events.functionCallsEvents(
    calls.map((call) => ({
      name: call.name,
      args: typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments),
      ...(call.callId === undefined ? {} : { callId: call.callId })
    })),
    options
  ))

/**
 * A refusal (an assistant message with a `refusal` part) as an SSE reply.
 */
export const refusal = (text: string, options: EventOptions = {}): Reply => sse(Events.refusalEvents(text, options))

/**
 * A JSON answer (structured output): `value` sent as the message text, `JSON.stringify`d
 * unless it is already a string.
 */
export const json = (value: unknown, options: EventOptions = {}): Reply =>
  text(typeof value === "string" ? value : JSON.stringify(value), options)
