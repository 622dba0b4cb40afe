import { readdirSync } from "node:fs"
import { defineConfig } from "vitest/config"

/**
 * The suite runs twice (plus the `/responses` files a third time over the WebSocket route): over the default transport (`CodexTransport.layerUndici`) and over
 * `CodexTransport.layerHttpClient` (on `NodeHttpClient.layerUndici`). The test helper `layerClient`
 * (test/helpers.ts) reads `CODEX_TEST_TRANSPORT` (and `CODEX_TEST_RESPONSES_TRANSPORT`), so no test
 * knows which one it runs on; the library reads neither. The second project
 * leaves out the files that never send through a transport (pure units, the token store,
 * the two-process lock test, the CLI in a child process).
 */
const transportFree = [
  "test/cli.test.ts",
  "test/cliChat.test.ts",
  "test/crossProcess.test.ts",
  "test/CodexConfig.test.ts",
  "test/errors.test.ts",
  "test/ResponseCollector.test.ts",
  "test/ResponseStreamEvent.test.ts",
  "test/scrub.test.ts",
  "test/Sse.test.ts",
  "test/TokenStore.test.ts",
  "test/websocketFrames.test.ts"
]

/** The third project runs only the files that exercise `/responses` end to end. */
const webSocketFiles = [
  "Responses.test.ts",
  "realStreams.test.ts",
  "ResponsesWebSocket.test.ts",
  "Conversation.test.ts"
]
const webSocketFree = readdirSync("test").filter((f) => f.endsWith(".test.ts") && !webSocketFiles.includes(f)).map((
  f
) => `test/${f}`)

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
      },
      // `/responses` over the WebSocket route (protocol §13): the files that exercise it.
      {
        extends: true,
        test: {
          name: "websocket",
          exclude: webSocketFree,
          env: { CODEX_TEST_TRANSPORT: "undici", CODEX_TEST_RESPONSES_TRANSPORT: "websocket" }
        }
      }
    ]
  }
})
