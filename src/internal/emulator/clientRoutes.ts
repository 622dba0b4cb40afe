/**
 * The routes an official Codex CLI turn touches beside `/responses` and `/models`
 * (protocol §12.4, observed with CLI 0.169.0): minimal valid answers, so the CLI logs no
 * error against the emulator.
 *
 * @internal
 */
import { isRecord } from "../jsonGuards.js"

type Json = Record<string, unknown>

/** `GET {chatgpt}/wham/accounts/check`: the signed-in account, as a workspace of one. @internal */
export const accountsCheck = (accountId: string, planType: string): Json => ({
  accounts: [{ id: accountId, account_id: accountId, plan_type: planType, structure: "personal", is_default: true }],
  account_ordering: [accountId],
  default_account_id: accountId
})

/** `GET {chatgpt}/wham/settings/user`: no settings changed. @internal */
export const userSettings: Json = {}

/** `GET {chatgpt}/ps/plugins/installed` and `/ps/plugins/suggested/codex`: none. @internal */
export const noPlugins: Json = { plugins: [] }

/** The MCP protocol revision the emulated `ps/mcp` endpoint speaks. */
const mcpProtocolVersion = "2025-06-18"

/**
 * `POST {chatgpt}/ps/mcp`: an MCP server over streamable HTTP that offers no tools. The
 * reply to a JSON-RPC request, or `undefined` for a notification (answered with 202).
 *
 * @internal
 */
export const mcp = (body: unknown): Json | undefined => {
  if (!isRecord(body) || !("id" in body)) return undefined
  const method = String(body["method"])
  const params = isRecord(body["params"]) ? body["params"] : {}
  const results: Readonly<Record<string, Json>> = {
    initialize: {
      protocolVersion: typeof params["protocolVersion"] === "string" ? params["protocolVersion"] : mcpProtocolVersion,
      capabilities: { tools: { listChanged: false } },
      serverInfo: { name: "codex-backend-emulator", version: "0.1.0" }
    },
    ping: {},
    "tools/list": { tools: [] },
    "resources/list": { resources: [] },
    "resources/templates/list": { resourceTemplates: [] },
    "prompts/list": { prompts: [] }
  }
  const result = results[method]
  return result === undefined
    ? { jsonrpc: "2.0", id: body["id"], error: { code: -32601, message: `Method not found: ${method}` } }
    : { jsonrpc: "2.0", id: body["id"], result }
}
