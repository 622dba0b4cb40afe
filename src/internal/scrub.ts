/**
 * Scrubbing secrets out of server text before it is kept in an error, a `DecodeError`
 * frame or a log line (protocol §2.10 rule 8). A server may echo the request back (its
 * `Authorization` header, a refresh grant); {@link scrub} removes:
 *
 * - the live token values themselves (access, refresh, id token, API key), which the
 *   token store and the credentials register as they load or receive them;
 * - `Bearer <anything>`;
 * - `"refresh_token" / "access_token" / "id_token" / "api_key"` pairs, as JSON (also
 *   escaped inside a JSON string) or form fields;
 * - JWT-shaped strings.
 *
 * It runs on error paths only, never per event.
 *
 * @internal
 */
import { Redacted } from "effect"

/** Recently seen secrets, most recent last; bounded so a long-lived process does not grow it. */
const live = new Set<string>()
const maxLive = 64

/**
 * Secrets held by a live object (the `Redacted` a token store, a credential or a layer
 * keeps), counted per holder: they are never forgotten while a holder is reachable, however
 * many tenants a process serves, and leave once every holder is collected. Bounded by what
 * the program itself keeps alive.
 */
const held = new Map<string, number>()
const release = new FinalizationRegistry<string>((secret) => {
  const count = (held.get(secret) ?? 1) - 1
  if (count <= 0) held.delete(secret)
  else held.set(secret, count)
})

/**
 * Registers a live secret (a token as it is loaded, issued or sent). With a `holder`, the
 * secret is scrubbed for as long as the holder is reachable; without, it joins the 64 most
 * recent. Values shorter than 8 characters are ignored (replacing them would mangle
 * ordinary text).
 *
 * @internal
 */
export const registerSecret = (value: string | undefined, holder?: object): void => {
  if (value === undefined || value.length < 8) return
  if (holder !== undefined) {
    held.set(value, (held.get(value) ?? 0) + 1)
    release.register(holder, value)
  }
  if (live.has(value)) {
    live.delete(value)
  } else if (live.size >= maxLive) {
    const oldest = live.values().next()
    if (oldest.done !== true) live.delete(oldest.value)
  }
  live.add(value)
}

/**
 * A secret as a `Redacted`, scrubbed from server text for as long as that `Redacted` lives.
 *
 * @internal
 */
export const heldSecret = (value: string): Redacted.Redacted<string> => {
  const secret = Redacted.make(value)
  registerSecret(value, secret)
  return secret
}

const redacted = "[redacted]"

const bearer = /\bBearer\s+[^\s"'\\,;]+/gi
const pair =
  /((?:refresh|access|id)_token|api_key|OPENAI_API_KEY|subject_token|code_verifier)(\\?["']?\s*[:=]\s*\\?["']?)[^\s"'\\&,;}]+/gi
const jwtShaped = /\beyJ[\w-]*\.[\w-]+\.[\w-]*/g

/**
 * Removes every secret it can recognise from a piece of server text (see the module
 * description). Text without secrets comes back unchanged.
 *
 * @internal
 */
export const scrub = (text: string): string => {
  let out = text
  for (const secret of live) if (out.includes(secret)) out = out.split(secret).join(redacted)
  for (const secret of held.keys()) if (out.includes(secret)) out = out.split(secret).join(redacted)
  return out.replace(bearer, `Bearer ${redacted}`).replace(pair, `$1$2${redacted}`).replace(jwtShaped, redacted)
}

/**
 * Scrubs every string of a JSON-like value (a partial response attached to an error),
 * copying only what changes.
 *
 * @internal
 */
export const scrubDeep = <A>(value: A): A => deep(value, 0) as A

const deep = (value: unknown, depth: number): unknown => {
  if (typeof value === "string") return scrub(value)
  if (typeof value !== "object" || value === null || depth > 64) return value
  if (Array.isArray(value)) {
    let copy: Array<unknown> | undefined
    for (let i = 0; i < value.length; i++) {
      const next = deep(value[i], depth + 1)
      if (next !== value[i]) (copy ??= value.slice())[i] = next
    }
    return copy ?? value
  }
  let copy: Record<string, unknown> | undefined
  for (const [key, item] of Object.entries(value)) {
    const next = deep(item, depth + 1)
    if (next !== item) (copy ??= { ...value })[key] = next
  }
  return copy ?? value
}
