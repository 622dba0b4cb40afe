/**
 * JWT claims, decoded without verifying the signature (protocol §2.8).
 *
 * @internal
 */

import { isRecord, str } from "./jsonGuards.js"

/** @internal */
export type Claims = Readonly<Record<string, unknown>>

const authClaim = "https://api.openai.com/auth"
const profileClaim = "https://api.openai.com/profile"

/** The payload of a JWT, or `undefined` when it cannot be decoded ("no claims"). @internal */
export const decodeClaims = (token: string): Claims | undefined => {
  const parts = token.split(".")
  if (parts.length < 2 || parts[1] === undefined) return undefined
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"))
    return isRecord(payload) ? payload : undefined
  } catch {
    return undefined
  }
}

const auth = (claims: Claims | undefined): Claims | undefined => {
  const value = claims?.[authClaim]
  return isRecord(value) ? value : undefined
}

/** `exp`, in epoch seconds. @internal */
export const expiresAt = (claims: Claims | undefined): number | undefined => {
  const exp = claims?.["exp"]
  return typeof exp === "number" && Number.isFinite(exp) ? exp : undefined
}

/** `auth.chatgpt_account_id`. @internal */
export const accountId = (claims: Claims | undefined): string | undefined => str(auth(claims)?.["chatgpt_account_id"])

/** `auth.chatgpt_plan_type`, kept verbatim. @internal */
export const planType = (claims: Claims | undefined): string | undefined => str(auth(claims)?.["chatgpt_plan_type"])

/** `auth.chatgpt_account_is_fedramp`, default false. @internal */
export const isFedramp = (claims: Claims | undefined): boolean => auth(claims)?.["chatgpt_account_is_fedramp"] === true

/** `email`, else `https://api.openai.com/profile` → `email`. @internal */
export const email = (claims: Claims | undefined): string | undefined => {
  const direct = str(claims?.["email"])
  if (direct !== undefined) return direct
  const profile = claims?.[profileClaim]
  return isRecord(profile) ? str(profile["email"]) : undefined
}
