/**
 * Bearer tokens travel over https only, except on loopback.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Exit } from "effect"
import { CodexConfig } from "../src/index.js"
import { capture } from "./hardeningHelpers.js"

describe("2. bearer tokens travel over https only", () => {
  it.effect("http: base URLs are refused except on loopback, unless allowInsecureHttp", () =>
    Effect.gen(function*() {
      for (const key of ["codexBaseUrl", "chatgptBaseUrl", "openaiBaseUrl", "authIssuer"] as const) {
        for (
          const value of [
            "http://chatgpt.com/backend-api",
            "http://example.com/x",
            "http://10.0.0.1/x",
            "http://127.example.com/x"
          ]
        ) {
          const exit = yield* Effect.exit(CodexConfig.make({ [key]: value }))
          assert.isTrue(Exit.isFailure(exit), `${key}=${value}`)
          if (Exit.isFailure(exit)) assert.include(String(exit.cause), "https")
        }
        for (
          const value of [
            "http://127.0.0.1:9/x",
            "http://127.1.2.3/x",
            "http://localhost:8080/x",
            "http://[::1]:9/x",
            "https://example.com/x"
          ]
        ) {
          const config = yield* CodexConfig.make({ [key]: value })
          assert.strictEqual(config[key], value, `${key}=${value}`)
        }
      }
      const lines: Array<string> = []
      const insecure = yield* CodexConfig.make({ codexBaseUrl: "http://example.com/codex", allowInsecureHttp: true })
        .pipe(
          Effect.zipLeft(CodexConfig.make({ openaiBaseUrl: "http://example.com/v1", allowInsecureHttp: true })),
          Effect.provide(capture(lines))
        )
      assert.strictEqual(insecure.codexBaseUrl, "http://example.com/codex")
      assert.strictEqual(lines.filter((l) => l.includes("allowInsecureHttp")).length, 1, "one warning per process")
      const env = yield* Effect.exit(
        CodexConfig.CodexConfig.pipe(
          Effect.provide(CodexConfig.layerFromEnv()),
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["CODEX_BASE_URL", "http://example.com/x"]])))
        )
      )
      assert.isTrue(Exit.isFailure(env), "CODEX_BASE_URL=http://example.com is refused")
    }))
})
