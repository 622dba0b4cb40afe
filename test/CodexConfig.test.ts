import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Exit } from "effect"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { CodexConfig } from "../src/index.js"

const fromEnv = (env: Record<string, string>, overrides: CodexConfig.Options = {}) =>
  CodexConfig.CodexConfig.pipe(
    Effect.provide(CodexConfig.layerFromEnv(overrides)),
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
  )

describe("CodexConfig", () => {
  it.effect("defaults point at the real hosts with the protocol's retry policy", () =>
    Effect.gen(function*() {
      const config = yield* CodexConfig.make()
      assert.strictEqual(config.codexBaseUrl, "https://chatgpt.com/backend-api/codex")
      assert.strictEqual(config.chatgptBaseUrl, "https://chatgpt.com/backend-api")
      assert.strictEqual(config.openaiBaseUrl, "https://api.openai.com/v1")
      assert.strictEqual(config.authIssuer, "https://auth.openai.com")
      assert.strictEqual(config.maxRetries, 4)
      assert.strictEqual(Duration.toMillis(config.streamIdleTimeout), 300_000)
      assert.strictEqual(config.parameterPolicy, "strict")
      assert.match(config.codexHome, /\.codex$/)
    }))

  it.effect("a set CODEX_HOME must be an existing directory; it is canonicalised", () =>
    Effect.gen(function*() {
      const missing = yield* Effect.exit(fromEnv({ CODEX_HOME: "/nonexistent/codex-home" }))
      assert.isTrue(Exit.isFailure(missing))
      if (Exit.isFailure(missing)) {
        assert.include(String(missing.cause), "CODEX_HOME=/nonexistent/codex-home does not exist")
      }
      const aFile = NodePath.join(NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "codex-config-")), "auth.json")
      NodeFs.writeFileSync(aFile, "{}")
      const file = yield* Effect.exit(fromEnv({ CODEX_HOME: aFile }))
      assert.isTrue(Exit.isFailure(file))
      if (Exit.isFailure(file)) {
        assert.include(String(file.cause), "is not a directory")
      }
      NodeFs.rmSync(NodePath.dirname(aFile), { recursive: true })
      const config = yield* fromEnv({ CODEX_HOME: "/tmp/./" })
      assert.strictEqual(config.codexHome, NodeFs.realpathSync("/tmp"))
    }))

  it.effect("reads the environment; explicit overrides win; trailing slashes are trimmed", () =>
    Effect.gen(function*() {
      const config = yield* fromEnv({
        CODEX_HOME: NodeOs.tmpdir(),
        CODEX_BASE_URL: "http://127.0.0.1:9/backend-api/codex/",
        CODEX_PARAMETER_POLICY: "lenient",
        CODEX_MODEL: "gpt-5.5"
      }, { defaultModel: "gpt-5.4-mini" })
      assert.strictEqual(config.codexHome, NodeFs.realpathSync(NodeOs.tmpdir()))
      assert.strictEqual(config.codexBaseUrl, "http://127.0.0.1:9/backend-api/codex")
      assert.strictEqual(config.parameterPolicy, "lenient")
      assert.strictEqual(config.defaultModel, "gpt-5.4-mini")
      const blankHome = yield* fromEnv({ CODEX_HOME: "  " })
      assert.match(blankHome.codexHome, /\.codex$/, "an empty CODEX_HOME means the default")
    }))

  it.effect("rejects bad values with a ConfigError that names them", () =>
    Effect.gen(function*() {
      for (
        const options of [
          { codexBaseUrl: "not a url" },
          { authIssuer: "http://auth.example.com" },
          { clientVersion: "1.2" },
          { maxRetries: -1 }
        ]
      ) {
        const exit = yield* Effect.exit(CodexConfig.make(options))
        assert.isTrue(Exit.isFailure(exit), JSON.stringify(options))
        if (Exit.isFailure(exit)) assert.include(String(exit.cause), Object.keys(options)[0] ?? "")
      }
      const loopback = yield* CodexConfig.make({ authIssuer: "http://localhost:1455" })
      assert.strictEqual(loopback.authIssuer, "http://localhost:1455", "plain http is fine on loopback")
    }))

  it.effect("a number or a string where a Duration is expected is refused when the layer is built, naming the option", () =>
    Effect.gen(function*() {
      // Plain JavaScript can pass these; before, `requestTimeout: 3000` crashed the process from a timer.
      for (
        const [key, value] of [["requestTimeout", 3000], ["streamIdleTimeout", "5 minutes"], [
          "requestDeadline",
          60_000
        ]] as const
      ) {
        const error = yield* Effect.flip(CodexConfig.make({ [key]: value } as unknown as CodexConfig.Options))
        assert.include(String(error), key)
        assert.include(String(error), "must be a Duration")
      }
      const perCall = yield* Effect.flip(
        Effect.void.pipe(CodexConfig.withCallPolicy({ requestTimeout: 3000 } as unknown as CodexConfig.CallPolicy))
      )
      assert.strictEqual(perCall._tag, "InvalidParameter")
      assert.strictEqual(perCall.parameter, "requestTimeout")
      const fine = yield* CodexConfig.make({ requestTimeout: Duration.seconds(3) })
      assert.isTrue(Duration.equals(fine.requestTimeout, Duration.seconds(3)))
    }))
})

describe("sdkVersion", () => {
  it("is the package's version (the User-Agent names it)", () => {
    const pkg = JSON.parse(NodeFs.readFileSync(NodePath.join(import.meta.dirname, "..", "package.json"), "utf8")) as {
      version: string
    }
    assert.strictEqual(CodexConfig.sdkVersion, pkg.version, "bump src/CodexConfig.ts with package.json")
  })
})
