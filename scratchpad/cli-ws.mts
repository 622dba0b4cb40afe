// Throw-away experiment (nothing imports it): does the official CLI use the emulator's
// WebSocket route with a custom provider? Needs `npm install @openai/codex@0.169.0` in
// /tmp/codexcli18. Run: node --import tsx scratchpad/cli-ws.mts
// Result (2026-12-03): yes, with `supports_websockets = true`: a prewarm (generate: false),
// then incremental requests with previous_response_id, over one connection; exit 0.
import { Effect } from "effect"
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as CodexEmulator from "../src/CodexEmulator.ts"
const codex = "/tmp/codexcli18/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex"
const extra = process.argv.slice(2)
const program = Effect.gen(function*() {
  const emulator = yield* CodexEmulator.make()
  const home = Fs.mkdtempSync("/tmp/codexhome18-")
  const token = CodexEmulator.fakeJwt({ exp: 4102444800, "https://api.openai.com/auth": { chatgpt_account_id: "acct_emulated", chatgpt_plan_type: "plus" } })
  Fs.writeFileSync(`${home}/config.toml`, [
    'model_provider = "emu"', 'model = "gpt-5.4"',
    "[model_providers.emu]", 'name = "emu"', `base_url = "${emulator.url}/backend-api/codex"`, 'wire_api = "responses"',
    `experimental_bearer_token = "${token}"`, 'http_headers = { "chatgpt-account-id" = "acct_emulated" }',
    "supports_websockets = true", "request_max_retries = 0", "stream_max_retries = 0"
  ].join("\n") + "\n")
  const result = yield* Effect.promise(() => new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(codex, ["exec", "--skip-git-repo-check", ...extra, "Say PONG."], { env: { ...process.env, CODEX_HOME: home }, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = "", stderr = ""
    child.stdout.on("data", (c) => stdout += c)
    child.stderr.on("data", (c) => stderr += c)
    const timer = setTimeout(() => child.kill(), 60000)
    child.on("exit", (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }) })
  }))
  console.log("exit", result.status, String(result.stdout).slice(-600), String(result.stderr).slice(-1500))
  const requests = yield* emulator.requests
  console.log(requests.map((r) => `${r.method} ${r.path} ${r.headers["openai-beta"] ?? ""} ${JSON.stringify(Object.keys((r.body ?? {}) as object)) + " " + JSON.stringify((r.body as any)?.input ?? null).slice(0, 300) + " instr=" + typeof (r.body as any)?.instructions}`).join("\n"))
  console.log(yield* emulator.sockets)
})
await Effect.runPromise(Effect.scoped(program) as any)
