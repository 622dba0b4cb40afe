import { assert, describe, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Fiber, FiberId, Layer } from "effect"
import * as NodeChild from "node:child_process"
import * as NodeFs from "node:fs/promises"
import * as NodeHttp from "node:http"
import * as NodePath from "node:path"
import * as Report from "../src/cli/report.js"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { CodexConfig, TokenStore } from "../src/index.js"
import { seed, tempHome } from "./helpers.js"

const root = NodePath.join(import.meta.dirname, "..")
const main = NodePath.join(root, "src", "cli", "main.ts")

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs the command (from the sources, through tsx) as a subprocess. `onStdout` sees the
 * output as it arrives (to answer a login while it waits).
 */
const cli = (
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  onStdout?: (stdout: string, signal: (signal: NodeJS.Signals) => void) => void
) =>
  Effect.async<Run>((resume) => {
    const child = NodeChild.spawn(process.execPath, ["--import", "tsx", main, ...args], {
      env: { ...process.env, NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => {
      stdout += d
      onStdout?.(stdout, (signal) => child.kill(signal))
    })
    child.stderr.on("data", (d) => (stderr += d))
    child.on("exit", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    return Effect.sync(() => child.kill())
  })

/** A failure: exactly one line on stderr, prefixed, no stack trace, nothing on stdout. */
const assertOneLine = (run: Run, code: number, pattern: RegExp) => {
  assert.strictEqual(run.code, code, `exit code; stderr: ${run.stderr}`)
  assert.strictEqual(run.stderr.split("\n").filter((line) => line !== "").length, 1, run.stderr)
  assert.match(run.stderr.trim(), /^codex-backend: /)
  assert.match(run.stderr, pattern)
  assert.notInclude(run.stderr, "    at ")
}

const emulatorEnv = (dir: string, emulator: CodexEmulator.Service) => ({
  CODEX_HOME: dir,
  CODEX_AUTH_ISSUER: emulator.url,
  CODEX_BASE_URL: emulator.config.codexBaseUrl ?? "",
  CODEX_CHATGPT_BASE_URL: emulator.config.chatgptBaseUrl ?? ""
})

describe("the codex-backend command, against the emulator", () => {
  it.live(
    "--help (root and every command) goes to stdout with exit 0; --version prints the version",
    () =>
      Effect.gen(function*() {
        const pkg: unknown = JSON.parse(
          yield* Effect.promise(() => NodeFs.readFile(NodePath.join(root, "package.json"), "utf8"))
        )
        const runs = yield* Effect.all(
          [
            ["--help"],
            ["login", "--help"],
            ["logout", "--help"],
            ["status", "--help"],
            ["ask", "--help"],
            ["--version"],
            ["batch", "--help"],
            ["emulator", "--help"],
            ["models", "--help"],
            ["usage", "--help"]
          ].map(
            (args) => cli(args, {})
          ),
          { concurrency: 2 }
        )
        for (const run of runs) {
          assert.strictEqual(run.code, 0, run.stderr)
          assert.strictEqual(run.stderr, "")
          assert.notInclude(run.stdout, "\u001b[", "plain text when stdout is not a terminal")
        }
        const [help, login, logout, status, ask, version, batch, emulator] = runs
        for (const command of ["login", "logout", "status", "ask", "models", "usage", "batch", "emulator"]) {
          assert.include(help?.stdout, `- ${command}`)
        }
        for (const flag of ["--concurrency", "--model", "--fail-fast"]) assert.include(batch?.stdout, flag)
        assert.include(emulator?.stdout, "--port")
        assert.include(login?.stdout, "--device")
        assert.include(login?.stdout, "--no-browser")
        assert.include(login?.stdout, "--port")
        assert.include(logout?.stdout, "--keep-token")
        assert.include(status?.stdout, "never a token")
        assert.include(ask?.stdout, "--model")
        assert.include(ask?.stdout, "--instructions")
        for (const flag of ["--reasoning-effort", "--schema", "--json"]) assert.include(ask?.stdout, flag)
        assert.strictEqual(
          version?.stdout.trim(),
          typeof pkg === "object" && pkg !== null ? Reflect.get(pkg, "version") : ""
        )
      }),
    120_000
  )

  it.live(
    "usage errors and bad options are one line on stderr, exit 2 (parse) or 1 (typed error)",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const dir = yield* tempHome
        const env = { CODEX_HOME: dir }
        const [none, unknown, noPrompt, notAPort, outOfRange] = yield* Effect.all([
          cli([], env),
          cli(["bogus"], env),
          cli(["ask"], env),
          cli(["login", "--port", "abc", "--no-browser"], env),
          cli(["login", "--port", "70000", "--no-browser"], env)
        ], { concurrency: 2 })
        assertOneLine(
          none ?? { code: null, stdout: "", stderr: "" },
          2,
          /a command is needed; see `codex-backend --help`/
        )
        assertOneLine(unknown ?? { code: null, stdout: "", stderr: "" }, 2, /Invalid subcommand.*'login'/)
        assertOneLine(noPrompt ?? { code: null, stdout: "", stderr: "" }, 2, /Missing argument <prompt>/)
        assertOneLine(notAPort ?? { code: null, stdout: "", stderr: "" }, 2, /'abc' is not a integer/)
        assertOneLine(
          outOfRange ?? { code: null, stdout: "", stderr: "" },
          1,
          /Invalid parameter "port": must be an integer from 0 to 65535 \(got 70000\)/
        )
        const badHome = yield* cli(["status"], { CODEX_HOME: NodePath.join(dir, "missing") })
        assertOneLine(badHome, 1, /does not exist/)
      })),
    120_000
  )

  it.live("login --device --api-key stores a Platform API key (status shows it), never printed", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempHome
      const emulator = yield* CodexEmulator.make({ deviceInterval: 0 })
      const env = emulatorEnv(dir, emulator)
      const login = yield* cli(["login", "--device", "--api-key"], env)
      assert.strictEqual(login.code, 0, login.stderr)
      assert.include(login.stdout, "An API key was stored (OPENAI_API_KEY).")
      const stored = JSON.parse(
        yield* Effect.promise(() => NodeFs.readFile(NodePath.join(dir, "auth.json"), "utf8"))
      ) as Record<string, unknown>
      assert.match(String(stored["OPENAI_API_KEY"]), /^sk-emulated-/)
      assert.notInclude(login.stdout, String(stored["OPENAI_API_KEY"]), "the key is never printed")
      const status = yield* cli(["status"], env)
      assert.match(status.stdout, /API key:\s+stored \(OPENAI_API_KEY\)/)
      assert.notInclude(status.stdout, String(stored["OPENAI_API_KEY"]))
    })))

  it.live(
    "login --device, status, ask, logout; errors are one clear line, not a stack trace",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const dir = yield* tempHome
        const emulator = yield* CodexEmulator.make({ deviceInterval: 0 })
        const env = emulatorEnv(dir, emulator)

        const signedOut = yield* cli(["ask", "hello"], env)
        assertOneLine(signedOut, 1, /^codex-backend: No usable ChatGPT credentials\..*auth\.json/)
        const noStatus = yield* cli(["status"], env)
        assertOneLine(noStatus, 1, /Not signed in: .*auth\.json holds no ChatGPT login/)

        const login = yield* cli(["login", "--device"], env)
        assert.strictEqual(login.code, 0, login.stderr)
        assert.match(login.stdout, /enter the code \S{4}-\S{4}/)
        assert.include(login.stdout, "Signed in as user@example.com (plus).")
        assert.include(yield* Effect.promise(() => NodeFs.readdir(dir)), "auth.json")

        const status = yield* cli(["status"], env)
        assert.strictEqual(status.code, 0, status.stderr)
        assert.include(status.stdout, "user@example.com")
        assert.match(status.stdout, /plan:\s+plus/)
        assert.match(status.stdout, /access token:\s+expires \d{4}-\d\d-\d\dT/)
        assert.include(status.stdout, NodePath.join(dir, "auth.json"))
        const stored: unknown = JSON.parse(
          yield* Effect.promise(() => NodeFs.readFile(NodePath.join(dir, "auth.json"), "utf8"))
        )
        const tokens: unknown = typeof stored === "object" && stored !== null
          ? Reflect.get(stored, "tokens")
          : undefined
        for (const key of ["id_token", "access_token", "refresh_token"]) {
          const token: unknown = typeof tokens === "object" && tokens !== null ? Reflect.get(tokens, key) : undefined
          assert.isString(token)
          if (typeof token === "string") {
            assert.notInclude(status.stdout, token, `status printed the ${key}`)
            assert.notInclude(status.stdout, token.slice(-16))
          }
        }

        const ask = yield* cli(["ask", "--model", "gpt-5.4", "hello", "there"], env)
        assert.strictEqual(ask.code, 0, ask.stderr)
        assert.strictEqual(ask.stdout, "You said: hello there\n")
        assert.strictEqual(ask.stderr, "")

        // a busy callback port: one clear line
        const blocker = NodeHttp.createServer()
        yield* Effect.acquireRelease(
          Effect.promise(() => new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()))),
          () => Effect.promise(() => new Promise<void>((r) => blocker.close(() => r())))
        )
        const address = blocker.address()
        const port = String(typeof address === "object" && address !== null ? address.port : 0)
        const busy = yield* cli(["login", "--port", port, "--no-browser"], env)
        assertOneLine(busy, 1, new RegExp(`Port 127\\.0\\.0\\.1:${port} is already in use`))

        const logout = yield* cli(["logout"], env)
        assert.strictEqual(logout.code, 0, logout.stderr)
        assert.notInclude(yield* Effect.promise(() => NodeFs.readdir(dir)), "auth.json")
        assert.strictEqual(yield* emulator.issuer.revocations, 1)
      })),
    120_000
  )

  it.live(
    "login --no-browser prints the URL without promising a browser; a cancelled login is one line",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const dir = yield* tempHome
        const emulator = yield* CodexEmulator.make({})
        const url = yield* Deferred.make<string>()
        const run = yield* cli(["login", "--no-browser", "--port", "0"], emulatorEnv(dir, emulator), (stdout) => {
          const found = /https?:\/\/\S+\/oauth\/authorize\S+/.exec(stdout)
          if (found !== null) Effect.runSync(Deferred.succeed(url, found[0]))
        }).pipe(
          Effect.fork,
          Effect.tap(() =>
            Effect.flatMap(Deferred.await(url), (authorize) => {
              const query = new URL(authorize).searchParams
              const callback = new URL(query.get("redirect_uri") ?? "")
              const state = encodeURIComponent(query.get("state") ?? "")
              return Effect.promise(() =>
                fetch(`http://127.0.0.1:${callback.port}/cancel?state=${state}`).then((r) => r.text())
              )
            })
          ),
          Effect.flatMap((fiber) => fiber.await),
          Effect.flatten
        )
        assert.include(run.stdout, "Open this URL in a browser to sign in")
        assert.notInclude(run.stdout, "should open")
        assertOneLine(run, 1, /cancelled/)
      })),
    60_000
  )

  it.live(
    "an interrupted command (Ctrl-C, SIGTERM) says so in one line and exits 130",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const dir = yield* tempHome
        let sent = false
        const run = yield* cli(["login", "--no-browser", "--port", "0"], { CODEX_HOME: dir }, (stdout, signal) => {
          if (!sent && stdout.includes("/oauth/authorize")) {
            sent = true
            signal("SIGTERM")
          }
        })
        assert.isTrue(sent)
        assertOneLine(run, 130, /^codex-backend: interrupted$/m)
      })),
    60_000
  )
})

/** An auth.json in `dir` with a live login of the emulated issuer. */
const signIn = (dir: string, emulator: CodexEmulator.Service) =>
  Effect.flatMap(emulator.issuer.issue(3600), seed).pipe(
    Effect.provide(TokenStore.layerFile().pipe(Layer.provide(CodexConfig.layer({ codexHome: dir }))))
  )

describe("the codex-backend command: models, usage, ask --json/--schema, batch, emulator", () => {
  it.live(
    "models prints the catalog as a table; usage prints each window with its reset in local time",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const dir = yield* tempHome
        const emulator = yield* CodexEmulator.make({})
        yield* signIn(dir, emulator)
        const env = emulatorEnv(dir, emulator)
        const [models, usage] = yield* Effect.all([cli(["models"], env), cli(["usage"], env)], { concurrency: 2 })
        assert.strictEqual(models.code, 0, models.stderr)
        const lines = models.stdout.trim().split("\n")
        assert.match(lines[0] ?? "", /^MODEL\s+CONTEXT\s+REASONING\s+PLANS$/)
        assert.match(lines[1] ?? "", /^gpt-5\.5\s+272,000\s+low medium high xhigh\s+plus pro/)
        assert.strictEqual(lines.length, 4)
        assert.strictEqual(usage.code, 0, usage.stderr)
        assert.include(usage.stdout, "plan: plus")
        assert.match(usage.stdout, /codex short window \(5 h\): 42% used, resets .+ \(in 2 h 30 min\)/)
        assert.match(usage.stdout, /codex long window \(7 days\): 12% used, resets /)
        assert.strictEqual(usage.stderr, "")
      })),
    120_000
  )

  it.live(
    "ask --json prints the collected Response; --schema asks for structured output; a bad schema file is one line",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const dir = yield* tempHome
        const emulator = yield* CodexEmulator.make({})
        yield* signIn(dir, emulator)
        const env = emulatorEnv(dir, emulator)
        const schema = NodePath.join(dir, "person.json")
        yield* Effect.promise(() =>
          NodeFs.writeFile(
            schema,
            JSON.stringify({
              title: "person",
              type: "object",
              properties: { name: { type: "string" }, age: { type: "integer" } },
              required: ["name", "age"],
              additionalProperties: false
            })
          )
        )
        const json = yield* cli(["ask", "--json", "--reasoning-effort", "low", "hi"], env)
        assert.strictEqual(json.code, 0, json.stderr)
        const response: unknown = JSON.parse(json.stdout)
        assert.strictEqual(
          typeof response === "object" && response !== null ? Reflect.get(response, "output_text") : undefined,
          "You said: hi"
        )
        const structured = yield* cli(["ask", "--schema", schema, "Extract: Bob is 42."], env)
        assert.strictEqual(structured.code, 0, structured.stderr)
        assert.deepStrictEqual(JSON.parse(structured.stdout), { name: "example name", age: 42 })
        const sent = (yield* emulator.requests).filter((r) => r.path.endsWith("/responses")).map((r) =>
          r.body as Record<string, unknown>
        )
        assert.deepStrictEqual(sent[0]?.["reasoning"], { effort: "low" })
        assert.strictEqual((sent[1]?.["text"] as { format: { name: string } }).format.name, "person")
        yield* Effect.promise(() => NodeFs.writeFile(schema, "[1, 2"))
        assertOneLine(yield* cli(["ask", "--schema", schema, "x"], env), 1, /--schema .*person\.json/)
      })),
    120_000
  )

  it.live(
    "batch: a JSONL job with a summary, a bad line reported, and a rerun that skips what is done",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const dir = yield* tempHome
        const emulator = yield* CodexEmulator.make({})
        yield* signIn(dir, emulator)
        const env = emulatorEnv(dir, emulator)
        const input = NodePath.join(dir, "in.jsonl")
        const output = NodePath.join(dir, "out.jsonl")
        const lines = [
          ...Array.from({ length: 6 }, (_, i) => JSON.stringify({ id: `q${i}`, input: `question ${i}` })),
          "{oops"
        ]
        yield* Effect.promise(() => NodeFs.writeFile(input, lines.join("\n") + "\n"))
        const first = yield* cli(["batch", input, output, "--concurrency", "3", "--model", "gpt-5.4-mini"], env)
        assert.strictEqual(first.code, 0, first.stderr)
        assert.match(first.stdout, /^6 ok, 1 failed, 0 skipped \(answered before\), \d+ tokens used$/m)
        assert.match(first.stderr, /done · .*failed · .*in flight/, "plain progress lines when not a terminal")
        const written = (yield* Effect.promise(() => NodeFs.readFile(output, "utf8"))).trim().split("\n").map((l) =>
          JSON.parse(l) as Record<string, unknown>
        )
        assert.strictEqual(written.length, 7)
        assert.deepStrictEqual(written.find((l) => l["status"] === "error")?.["line"], 7)
        const bodies = (yield* emulator.requests).filter((r) => r.path.endsWith("/responses")).map((r) =>
          r.body as Record<string, unknown>
        )
        assert.isTrue(bodies.length === 6 && bodies.every((b) => b["model"] === "gpt-5.4-mini"))
        const again = yield* cli(["batch", input, output], env)
        assert.strictEqual(again.code, 0, again.stderr)
        assert.match(again.stdout, /^0 ok, 1 failed, 6 skipped/m)
        assert.strictEqual(
          (yield* emulator.requests).filter((r) => r.path.endsWith("/responses")).length,
          6,
          "nothing was sent twice"
        )
        assertOneLine(yield* cli(["batch", NodePath.join(dir, "missing.jsonl"), output], env), 2, /missing\.jsonl/)
      })),
    120_000
  )

  it.live(
    "emulator prints its environment once, on stdout alone, with a fresh CODEX_HOME; a real login is never overwritten",
    () =>
      Effect.scoped(Effect.gen(function*() {
        // The user's real login (issued by auth.openai.com), shared with the Codex CLI.
        const real = yield* tempHome
        const realLogin = {
          idToken: CodexEmulator.fakeJwt({
            iss: "https://auth.openai.com",
            email: "me@example.com",
            "https://api.openai.com/auth": { chatgpt_account_id: "acct_real" }
          }),
          accessToken: CodexEmulator.fakeJwt({ iss: "https://auth.openai.com", exp: 4102444800 }),
          refreshToken: "rt_the_users_real_refresh_token"
        }
        yield* seed(realLogin).pipe(
          Effect.provide(TokenStore.layerFile().pipe(Layer.provide(CodexConfig.layer({ codexHome: real }))))
        )
        const before = yield* Effect.promise(() => NodeFs.readFile(NodePath.join(real, "auth.json"), "utf8"))
        const printed = yield* Deferred.make<{ readonly vars: Record<string, string>; readonly stdout: string }>()
        const server = yield* Effect.fork(cli(["emulator", "--port", "0"], { CODEX_HOME: real }, (stdout) => {
          const vars = Object.fromEntries(
            [...stdout.matchAll(/^(CODEX_[A-Z_]+)=(\S+)$/gm)].map((m) => [m[1] ?? "", m[2] ?? ""])
          )
          if (Object.keys(vars).length === 5) Effect.runSync(Deferred.succeed(printed, { vars, stdout }))
        }))
        const { stdout, vars: env } = yield* Deferred.await(printed)
        assert.match(env["CODEX_BASE_URL"] ?? "", /^http:\/\/127\.0\.0\.1:\d+\/backend-api\/codex$/)
        // stdout holds the five lines and nothing else (the log line goes to stderr only).
        yield* Effect.sleep("300 millis")
        assert.deepStrictEqual(stdout.trim().split("\n").map((line) => line.split("=")[0]), [
          "CODEX_HOME",
          "CODEX_BASE_URL",
          "CODEX_CHATGPT_BASE_URL",
          "CODEX_OPENAI_BASE_URL",
          "CODEX_AUTH_ISSUER"
        ])
        const home = env["CODEX_HOME"] ?? ""
        assert.notStrictEqual(home, real, "a fresh CODEX_HOME, not the one the emulator was started with")

        // With the printed environment the sign-in lands in the fresh home.
        const login = yield* cli(["login", "--device"], env)
        assert.strictEqual(login.code, 0, login.stderr)
        assert.include(yield* Effect.promise(() => NodeFs.readdir(home)), "auth.json")
        const models = yield* cli(["models"], env)
        assert.include(models.stdout, "gpt-5.4-mini")

        // Pointed at the real home, an emulator sign-in is refused before anything is sent...
        const over = yield* cli(["login", "--device"], { ...env, CODEX_HOME: real })
        assertOneLine(over, 1, /holds a login from https:\/\/auth\.openai\.com.*--force/)
        assert.strictEqual(
          yield* Effect.promise(() => NodeFs.readFile(NodePath.join(real, "auth.json"), "utf8")),
          before
        )
        // ...unless the user says so.
        const forced = yield* cli(["login", "--device", "--force"], { ...env, CODEX_HOME: real })
        assert.strictEqual(forced.code, 0, forced.stderr)
        assert.notStrictEqual(
          yield* Effect.promise(() => NodeFs.readFile(NodePath.join(real, "auth.json"), "utf8")),
          before
        )
        yield* Fiber.interrupt(server)
      })),
    120_000
  )
})

describe("the command's failure report", () => {
  it("a defect is one line naming the error, asking for a report; a usage error exits 2", () => {
    const [line, code] = Report.report(Cause.die(new RangeError("options.port should be >= 0\nand < 65536.")))
    assert.strictEqual(code, 1)
    assert.strictEqual(
      line,
      "internal error: options.port should be >= 0 and < 65536. (RangeError); please report this"
    )
    assert.deepStrictEqual(Report.report(Cause.fail(new Report.MissingCommand())), [
      "a command is needed; see `codex-backend --help`",
      2
    ])
    assert.deepStrictEqual(Report.report(Cause.interrupt(FiberId.none)), ["interrupted", 130])
  })
})

describe("server text on the terminal (hardening round 2)", () => {
  it("every control sequence is stripped, not only colours: OSC 52 clipboard writes, OSC 8 links, screen clears, lone ESC, CR", () => {
    const hostile = [
      "before",
      "\u001b]52;c;ZWNobyBwd25lZA==\u0007", // OSC 52: write the clipboard
      "\u001b]8;;https://evil.example\u001b\\link\u001b]8;;\u001b\\", // OSC 8 hyperlink
      "\u001b[2J\u001b[H", // clear the screen, cursor home
      "\u001bP+q\u001b\\", // DCS
      "\u009b31m", // C1 CSI
      "fake\rreal", // a carriage return overwriting the line
      "\u001b", // a lone ESC (a sequence split over two chunks)
      "after\n\ttab"
    ].join("")
    const clean = Report.sanitize(hostile)
    assert.notMatch(clean, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/, JSON.stringify(clean))
    assert.strictEqual(clean, "beforelinkfakerealafter\n\ttab")
    assert.strictEqual(Report.oneLine("a\u001b]52;c;eA==\u0007 b"), "a b")
  })
})
