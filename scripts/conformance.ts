/**
 * `npm run conformance`: the official Codex CLI (`@openai/codex`, pinned to
 * `CodexConfig.codexCliVersion`) against `codex-backend emulator`, as a conformance client
 * nobody here wrote.
 *
 * The CLI is installed from npm into a cache directory outside the repo on the first run
 * (`CODEX_CONFORMANCE_CACHE`, default `~/.cache/codex-backend-sdk/codex-cli-<version>`).
 * Each scenario starts its own emulator (`--script` for its replies, `--log` for what it
 * received), signs in with `codex-backend login --device` into a fresh temporary
 * `CODEX_HOME`, writes a `config.toml` that points the CLI at the emulator, runs
 * `codex exec --json` (or `codex login status`) and asserts what the CLI printed and what
 * the emulator received. Any `failed to decode`, any `ERROR` line, and any 4xx/5xx the
 * scenario did not ask for fails the run.
 *
 * Needs `dist/` (`npm install` builds it; else `npm run build`).
 */
import * as ChildProcess from "node:child_process"
import * as NodeFs from "node:fs"
import * as Os from "node:os"
import * as NodePath from "node:path"
import { codexCliVersion } from "../src/CodexConfig.js"

const root = NodePath.resolve(import.meta.dirname, "..")
const bin = NodePath.join(root, "dist", "cli", "main.js")
const cache = process.env["CODEX_CONFORMANCE_CACHE"] ??
  NodePath.join(Os.homedir(), ".cache", "codex-backend-sdk", `codex-cli-${codexCliVersion}`)
const codex = NodePath.join(cache, "node_modules", ".bin", "codex")
const started = Date.now()

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const run = (
  command: string,
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  cwd = root,
  timeoutMs = 60_000
) =>
  new Promise<Run>((resolve) => {
    const child = ChildProcess.spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })

const fail = (message: string): never => {
  throw new Error(message)
}

const check = (ok: boolean, message: string) => {
  if (!ok) fail(message)
}

/** The CLI, installed once into the cache directory. */
const install = async () => {
  if (NodeFs.existsSync(codex)) return
  console.log(`installing @openai/codex@${codexCliVersion} into ${cache} (first run only)`)
  NodeFs.mkdirSync(cache, { recursive: true })
  const npm = await run(
    "npm",
    ["install", "--prefix", cache, "--no-save", "--no-audit", "--no-fund", `@openai/codex@${codexCliVersion}`],
    {},
    cache,
    300_000
  )
  check(
    npm.code === 0 && NodeFs.existsSync(codex),
    `npm install @openai/codex@${codexCliVersion} failed:\n${npm.stderr}`
  )
}

/** A log line of `codex-backend emulator --log`. */
interface Entry {
  readonly method: string
  readonly path: string
  readonly status: number
  readonly body: unknown
}

interface Emulator {
  readonly url: string
  readonly env: Record<string, string>
  readonly log: () => ReadonlyArray<Entry>
  readonly stop: () => void
}

/** Starts `codex-backend emulator --script … --log …` and reads its environment lines. */
const startEmulator = (dir: string, script: ReadonlyArray<unknown>) =>
  new Promise<Emulator>((resolve, reject) => {
    const scriptFile = NodePath.join(dir, "script.jsonl")
    const logFile = NodePath.join(dir, "emulator.jsonl")
    NodeFs.writeFileSync(scriptFile, script.map((line) => JSON.stringify(line)).join("\n"))
    const child = ChildProcess.spawn(process.execPath, [bin, "emulator", "--script", scriptFile, "--log", logFile], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    const timer = setTimeout(() => reject(new Error(`the emulator did not start:\n${out}`)), 20_000)
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString()
      const env: Record<string, string> = {}
      for (const match of out.matchAll(/^(?:export\s+)?(CODEX_[A-Z_]+)=["']?([^\s"']+)["']?$/gm)) {
        env[match[1] ?? ""] = match[2] ?? ""
      }
      const issuer = env["CODEX_AUTH_ISSUER"]
      if (issuer === undefined || env["CODEX_BASE_URL"] === undefined) return
      clearTimeout(timer)
      // The emulator may print its own CODEX_HOME; the scenario always sets its own.
      delete env["CODEX_HOME"]
      resolve({
        url: issuer,
        env,
        log: () =>
          NodeFs.existsSync(logFile)
            ? NodeFs.readFileSync(logFile, "utf8").split("\n").filter((l) => l !== "").map((l) =>
              JSON.parse(l) as Entry
            )
            : [],
        stop: () => child.kill()
      })
    })
    child.on("error", reject)
  })

/** What a scenario checks, with the CLI's output and the emulator's log at hand. */
interface Scenario {
  readonly name: string
  /** One `/responses` reply per line, as `codex-backend emulator --script` takes them. */
  readonly script: ReadonlyArray<unknown>
  /** Statuses ≥ 400 the scenario asks for, as `"<status> <path prefix>"`. */
  readonly expectedErrors?: ReadonlyArray<string>
  /** The CLI's exit code (default 0). */
  readonly exitCode?: number
  /** Extra lines for the provider's section of `config.toml`. */
  readonly provider?: ReadonlyArray<string>
  readonly run: (context: Context) => Promise<Run>
  readonly assert: (result: Run, context: Context) => void | Promise<void>
}

interface Context {
  readonly home: string
  readonly work: string
  readonly emulator: Emulator
  readonly codex: (args: ReadonlyArray<string>, env?: Record<string, string>) => Promise<Run>
}

/** The JSONL events `codex exec --json` printed. */
const jsonEvents = (stdout: string): Array<Record<string, unknown>> =>
  stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>)

const items = (stdout: string) =>
  jsonEvents(stdout).filter((e) => e["type"] === "item.completed").map((e) => e["item"] as Record<string, unknown>)

const agentText = (stdout: string) =>
  items(stdout).filter((i) => i["type"] === "agent_message").map((i) => String(i["text"])).join("\n")

const responsesRequests = (log: ReadonlyArray<Entry>) =>
  log.filter((e) => e.method === "POST" && e.path.endsWith("/codex/responses"))

const exec = (prompt: string) => (context: Context) =>
  context.codex(["exec", "--json", "--skip-git-repo-check", prompt])

/** An access token of the same account whose `exp` has passed (the emulator answers it with 401). */
const expired = (token: string): string => {
  const [header, payload, signature] = token.split(".")
  const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")) as Record<string, unknown>
  return [
    header,
    Buffer.from(JSON.stringify({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 })).toString("base64url"),
    signature
  ].join(".")
}

const scenarios: ReadonlyArray<Scenario> = [
  {
    name: "a plain turn",
    script: [{ text: "Hello from the emulator." }],
    run: exec("Say hello."),
    assert: (result, { emulator }) => {
      check(
        agentText(result.stdout) === "Hello from the emulator.",
        `the CLI printed ${JSON.stringify(agentText(result.stdout))}`
      )
      check(jsonEvents(result.stdout).some((e) => e["type"] === "turn.completed"), "no turn.completed")
      const [request] = responsesRequests(emulator.log())
      const body = request?.body as Record<string, unknown> | undefined
      check(body?.["model"] === "gpt-5.4" && body["stream"] === true && body["store"] === false, "the /responses body")
    }
  },
  {
    name: "a tool call the CLI executes",
    script: [
      { function_call: { name: "exec_command", arguments: { cmd: "echo conformance-tool-ok" } } },
      { text: "The command printed conformance-tool-ok." }
    ],
    run: exec("Run echo conformance-tool-ok."),
    assert: (result, { emulator }) => {
      const command = items(result.stdout).find((i) => i["type"] === "command_execution")
      check(
        String(command?.["aggregated_output"] ?? "").includes("conformance-tool-ok"),
        `no executed command in ${result.stdout}`
      )
      check(agentText(result.stdout) === "The command printed conformance-tool-ok.", "the final answer")
      const [, second] = responsesRequests(emulator.log())
      const input = (second?.body as { input?: Array<Record<string, unknown>> } | undefined)?.input ?? []
      const output = input.find((i) => i["type"] === "function_call_output")
      check(
        JSON.stringify(output?.["output"] ?? "").includes("conformance-tool-ok"),
        "the tool output went back to the backend"
      )
    }
  },
  {
    name: "a usage limit",
    script: [{ usage_limit: { plan_type: "plus", resets_in_seconds: 3600 } }],
    expectedErrors: ["429 /backend-api/codex/responses"],
    exitCode: 1,
    run: exec("Say hello."),
    assert: (result, { emulator }) => {
      const said = `${result.stdout}\n${result.stderr}`
      check(/usage limit/i.test(said), `the CLI did not report the usage limit:\n${said}`)
      check(responsesRequests(emulator.log()).length === 1, "a usage limit is not retried")
    }
  },
  {
    name: "a 5xx the CLI retries",
    script: [{ http: { status: 500, body: { error: { type: "server_error", message: "emulated outage" } } } }, {
      text: "Recovered after a 500."
    }],
    expectedErrors: ["500 /backend-api/codex/responses"],
    run: exec("Say hello."),
    assert: (result, { emulator }) => {
      check(
        agentText(result.stdout) === "Recovered after a 500.",
        `the CLI printed ${JSON.stringify(agentText(result.stdout))}`
      )
      check(responsesRequests(emulator.log()).map((e) => e.status).join(",") === "500,200", "one 500, then the retry")
    }
  },
  {
    name: "a turn over the WebSocket route (supports_websockets, a prefer_websockets model)",
    script: [
      { function_call: { name: "exec_command", arguments: { cmd: "echo conformance-ws-ok" } } },
      { text: "Both turns went over one WebSocket." }
    ],
    provider: ["supports_websockets = true"],
    run: (context) =>
      context.codex(["exec", "--json", "--skip-git-repo-check", "-m", "gpt-5.5", "Run echo conformance-ws-ok."]),
    assert: (result, { emulator }) => {
      check(
        agentText(result.stdout) === "Both turns went over one WebSocket.",
        `the CLI printed ${JSON.stringify(agentText(result.stdout))}`
      )
      check(responsesRequests(emulator.log()).length === 0, "no /responses request over HTTP")
      const frames = emulator.log().filter((e) =>
        e.method === "GET" && e.path.endsWith("/codex/responses") && e.status === 101
      )
      const bodies = frames.map((e) => e.body as Record<string, unknown>)
      check(bodies.length >= 2, `response.create messages over the socket: ${bodies.length}`)
      check(bodies.every((b) => b["model"] === "gpt-5.5"), "the model asked for")
      // After the first turn on the connection only the new items travel (§13).
      const last = bodies[bodies.length - 1] ?? {}
      check(typeof last["previous_response_id"] === "string", "the last turn continues the previous response")
      const input = Array.isArray(last["input"]) ? (last["input"] as Array<Record<string, unknown>>) : []
      check(
        input.some((i) =>
          i["type"] === "function_call_output" && JSON.stringify(i["output"]).includes("conformance-ws-ok")
        ),
        "the tool output went back over the socket"
      )
    }
  },
  {
    name: "codex login status",
    script: [],
    run: (context) => context.codex(["login", "status"]),
    assert: (result) =>
      check(
        /Logged in using ChatGPT/.test(`${result.stdout}${result.stderr}`),
        `login status said:\n${result.stdout}${result.stderr}`
      )
  },
  {
    name: "a refresh of an expired access token, then our SDK on the auth.json the CLI rotated",
    script: [{ text: "Refreshed and answered." }],
    expectedErrors: ["401 /backend-api/"],
    run: (context) => {
      const file = NodePath.join(context.home, "auth.json")
      const auth = JSON.parse(NodeFs.readFileSync(file, "utf8")) as { tokens: Record<string, string> }
      auth.tokens["access_token"] = expired(auth.tokens["access_token"] ?? "")
      NodeFs.writeFileSync(file, JSON.stringify(auth, null, 2), { mode: 0o600 })
      return exec("Say hello.")(context)
    },
    assert: async (result, context) => {
      check(
        agentText(result.stdout) === "Refreshed and answered.",
        `the CLI printed ${JSON.stringify(agentText(result.stdout))}`
      )
      const refreshes = context.emulator.log().filter((e) =>
        e.path === "/oauth/token" && JSON.stringify(e.body).includes("refresh_token")
      )
      check(
        refreshes.length >= 1 && refreshes.every((e) => e.status === 200),
        "the CLI refreshed through the emulated issuer"
      )
      const ours = await run(process.execPath, [bin, "ask", "--model", "gpt-5.4", "still", "here?"], {
        ...context.emulator.env,
        CODEX_HOME: context.home
      })
      check(
        ours.code === 0 && ours.stdout === "You said: still here?\n",
        `codex-backend ask after the CLI's refresh:\n${ours.stdout}${ours.stderr}`
      )
    }
  }
]

/** Fails on what no scenario may show: decode failures, ERROR lines, unrequested 4xx/5xx. */
const noSurprises = (scenario: Scenario, result: Run, log: ReadonlyArray<Entry>) => {
  const output = `${result.stdout}\n${result.stderr}`
  check(!/failed to decode/i.test(output), `"failed to decode" in the CLI's output:\n${output}`)
  const errors = output.split("\n").filter((line) => /\bERROR\b/.test(line))
  check(errors.length === 0, `ERROR lines from the CLI:\n${errors.join("\n")}`)
  const unexpected = log.filter((e) =>
    e.status >= 400 && !(scenario.expectedErrors ?? []).some((allowed) => `${e.status} ${e.path}`.startsWith(allowed))
  )
  check(
    unexpected.length === 0,
    `statuses the scenario did not ask for:\n${unexpected.map((e) => `${e.status} ${e.method} ${e.path}`).join("\n")}`
  )
}

const runScenario = async (scenario: Scenario) => {
  const dir = NodeFs.mkdtempSync(NodePath.join(Os.tmpdir(), "codex-conformance-"))
  const home = NodePath.join(dir, "home")
  const work = NodePath.join(dir, "work")
  NodeFs.mkdirSync(home)
  NodeFs.mkdirSync(work)
  const emulator = await startEmulator(dir, scenario.script)
  try {
    const env = { ...emulator.env, CODEX_HOME: home }
    const login = await run(process.execPath, [bin, "login", "--device"], env)
    check(login.code === 0, `codex-backend login --device failed:\n${login.stdout}${login.stderr}`)
    // Our own sign-in polls the device endpoint (403 while pending): only the CLI's requests count.
    const signedIn = emulator.log().length
    NodeFs.writeFileSync(
      NodePath.join(home, "config.toml"),
      [
        `model = "gpt-5.4"`,
        `model_provider = "emulator"`,
        `chatgpt_base_url = "${emulator.url}/backend-api"`,
        ``,
        `[model_providers.emulator]`,
        `name = "codex-backend emulator"`,
        `base_url = "${emulator.url}/backend-api/codex"`,
        `wire_api = "responses"`,
        `requires_openai_auth = true`,
        ...(scenario.provider ?? []),
        ``
      ].join("\n")
    )
    const context: Context = {
      home,
      work,
      emulator,
      codex: (args, extra = {}) =>
        run(codex, args, {
          CODEX_HOME: home,
          CODEX_REFRESH_TOKEN_URL_OVERRIDE: `${emulator.url}/oauth/token`,
          RUST_LOG: "warn",
          ...extra
        }, work)
    }
    const result = await scenario.run(context)
    check(
      result.code === (scenario.exitCode ?? 0),
      `the CLI exited with ${result.code}:\n${result.stdout}\n${result.stderr}`
    )
    await scenario.assert(result, context)
    noSurprises(scenario, result, emulator.log().slice(signedIn))
  } finally {
    emulator.stop()
    NodeFs.rmSync(dir, { recursive: true, force: true })
  }
}

const main = async () => {
  check(NodeFs.existsSync(bin), `${bin} is missing: run npm run build first`)
  await install()
  const installed = Date.now()
  let failed = 0
  for (const scenario of scenarios) {
    const start = Date.now()
    try {
      await runScenario(scenario)
      console.log(`ok    ${scenario.name} (${Date.now() - start} ms)`)
    } catch (error) {
      failed++
      console.log(`FAIL  ${scenario.name}\n${error instanceof Error ? error.message : String(error)}`)
    }
  }
  console.log(
    `${scenarios.length - failed}/${scenarios.length} scenarios passed against @openai/codex@${codexCliVersion} ` +
      `(install ${installed - started} ms, scenarios ${Date.now() - installed} ms)`
  )
  process.exitCode = failed === 0 ? 0 : 1
}

void main()
