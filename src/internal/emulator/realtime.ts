/**
 * The emulated realtime call creation (protocol §10.1).
 *
 * @internal
 */
import { isRecord } from "../jsonGuards.js"

/** An SDP answer to an offer, for `POST /realtime/calls`. @internal */
export const sdpAnswer = (offer: string): string =>
  ["v=0", "o=- 0 0 IN IP4 127.0.0.1", "s=emulated answer", "t=0 0", `a=x-offer-bytes:${offer.length}`, ""].join("\r\n")

/** Whether a parsed JSON body asks for a realtime session the emulator accepts. @internal */
export const realtimeSessionError = (body: unknown): string | undefined => {
  if (!isRecord(body) || typeof body["sdp"] !== "string") return "the JSON form needs a string 'sdp'"
  const session = body["session"]
  if (!isRecord(session)) return "the JSON form needs a 'session' object"
  if ("id" in session) return "session.id must not be set by the client"
  return undefined
}
