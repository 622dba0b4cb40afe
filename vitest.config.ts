import { defineConfig } from "vitest/config"

/**
 * The suite runs twice: over the default transport (`CodexTransport.layerUndici`) and over
 * `CodexTransport.layerHttpClient` (on `NodeHttpClient.layerUndici`). `CodexEmulator.layerClient`
 * reads `CODEX_TEST_TRANSPORT`, so no test knows which one it runs on. The second project
 * leaves out the files that never send through a transport (pure units, the token store,
 * the two-process lock test, the CLI in a child process).
 */
const transportFree = [
  "test/cli.test.ts",
  "test/crossProcess.test.ts",
  "test/CodexConfig.test.ts",
  "test/errors.test.ts",
  "test/ResponseCollector.test.ts",
  "test/ResponseStreamEvent.test.ts",
  "test/scrub.test.ts",
  "test/Sse.test.ts",
  "test/TokenStore.test.ts"
]

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Memory-bound tests measure the retained heap after a collection.
    poolOptions: { forks: { execArgv: ["--expose-gc"] } },
    projects: [
      { extends: true, test: { name: "undici", env: { CODEX_TEST_TRANSPORT: "undici" } } },
      {
        extends: true,
        test: { name: "http-client", exclude: transportFree, env: { CODEX_TEST_TRANSPORT: "http-client" } }
      }
    ]
  }
})
