/**
 * The backend's request rules, as the emulator enforces them: ONE table, each rule with the
 * fact it rests on (protocol.md section and the evidence behind it). A rule answers what
 * the backend answers, whatever a test scripted.
 *
 * @internal
 */
import { isRecord } from "../jsonGuards.js"
import { knownUnsupported } from "../request.js"
import type { Reply } from "./replies.js"
import { http } from "./replies.js"

type Json = Record<string, unknown>

/** The 400 body the backend uses for its request rules. @internal */
export const detail = (message: string): Reply => http(400, { detail: message })

/** Which route a rule applies to: `/responses`, the legacy `/responses/compact`, or both. */
type Where = "responses" | "compact" | "both"

/** What a rule sees: the body, and the slugs the backend serves (the whole catalog). */
interface Context {
  readonly body: Json
  readonly served: ReadonlySet<string>
}

interface Rule {
  readonly where: Where
  /** The fact the rule rests on. */
  readonly evidence: string
  /** The backend's answer when the request breaks the rule. */
  readonly check: (context: Context) => Reply | undefined
}

const items = (body: Json): ReadonlyArray<Json> => Array.isArray(body["input"]) ? body["input"].filter(isRecord) : []

/**
 * The rules, in the order the backend appears to apply them. Not a rule (accepted on
 * purpose): a missing `instructions` — the official CLI 0.169.0 sends none and works
 * against the real backend (§4.2, December 2026); an emulator must accept both.
 *
 * @internal
 */
export const rules: ReadonlyArray<Rule> = [
  {
    where: "responses",
    evidence: "§4.2, observed 2025-2026: stream missing or false is a 400",
    check: ({ body }) => body["stream"] !== true ? detail("Stream must be set to true") : undefined
  },
  {
    where: "responses",
    evidence: "§4.2, observed 2025-2026: store missing or true is a 400",
    check: ({ body }) => body["store"] !== false ? detail("Store must be set to false") : undefined
  },
  {
    where: "both",
    evidence: "§4.3: the parameters the backend rejects (observed 400s, and the unverified ones)",
    check: ({ body }) => {
      const name = knownUnsupported.find((key) => key in body)
      return name === undefined ? undefined : detail(`Unsupported parameter: ${name}`)
    }
  },
  {
    where: "both",
    evidence: "§4.1: model is always sent; without it there is nothing to serve",
    check: ({ body }) =>
      typeof body["model"] !== "string" || body["model"] === "" ? detail("Model is required") : undefined
  },
  {
    where: "both",
    evidence:
      "§4.2, §14: a model not served to ChatGPT accounts (retired, -pro, unknown) gets this 400, reported by CLI users through 2026",
    check: ({ body, served }) =>
      served.has(String(body["model"]))
        ? undefined
        : detail(`The '${String(body["model"])}' model is not supported when using Codex with a ChatGPT account.`)
  },
  {
    where: "both",
    evidence: "§4.1, observed August 2026: only default and priority return 200",
    check: ({ body }) => {
      const tier = body["service_tier"]
      return tier === undefined || tier === "default" || tier === "priority"
        ? undefined
        : detail(`Invalid service_tier: ${String(tier)}`)
    }
  },
  {
    where: "both",
    evidence: "§4.2: two public reports (2026) of a string input answered with this 400",
    check: ({ body }) => typeof body["input"] === "string" ? detail("Input must be a list") : undefined
  },
  {
    where: "responses",
    evidence: "§4.2, §4.4: non-empty tools without tool_choice is a 400 (body not recorded; this text is ours)",
    check: ({ body }) =>
      Array.isArray(body["tools"]) && body["tools"].length > 0 && body["tool_choice"] === undefined
        ? detail("tool_choice is required when tools are provided")
        : undefined
  },
  {
    where: "both",
    evidence: "§4.2, §4.4: bare item references fail with store: false",
    check: ({ body }) => {
      const reference = items(body).find((item) => item["type"] === "item_reference")
      return reference === undefined ? undefined : detail(`Item with id '${String(reference["id"])}' not found.`)
    }
  },
  {
    where: "both",
    evidence: "§4.2, §4.4: a tool output before (or without) its call is a 400",
    check: ({ body }) => {
      const calls = new Set<string>()
      for (const item of items(body)) {
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
  },
  {
    where: "responses",
    evidence: "§8.0, late 2026: one compaction_trigger at most, and only as the final input item",
    check: ({ body }) => {
      const list = items(body)
      const at = list.findIndex((item) => item["type"] === "compaction_trigger")
      return at === -1 || at === list.length - 1
        ? undefined
        : detail("The 'compaction_trigger' item must be the final input item.")
    }
  }
]

/**
 * The first rule a request breaks on a route, as the backend's reply, or `undefined`.
 *
 * @internal
 */
export const breach = (
  route: "responses" | "compact",
  body: unknown,
  served: ReadonlySet<string>
): Reply | undefined => {
  if (!isRecord(body)) return detail("Request body must be a JSON object")
  for (const rule of rules) {
    if (rule.where !== "both" && rule.where !== route) continue
    const reply = rule.check({ body, served })
    if (reply !== undefined) return reply
  }
  return undefined
}
