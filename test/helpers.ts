import { Effect, Redacted, Tracer } from "effect"
import * as NodeFs from "node:fs/promises"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { TokenStore } from "../src/index.js"
import { defaultTracer } from "../src/internal/tracing.js"

/** A temporary CODEX_HOME, removed when the scope closes. */
export const tempHome = Effect.acquireRelease(
  Effect.promise(() => NodeFs.mkdtemp(NodePath.join(NodeOs.tmpdir(), "codex-home-"))),
  (dir) => Effect.promise(() => NodeFs.rm(dir, { recursive: true, force: true }))
)

/** Writes a token set into the store, as a login would. */
export const seed = (
  tokens: { readonly idToken: string; readonly accessToken: string; readonly refreshToken: string }
) =>
  Effect.flatMap(TokenStore.TokenStore, (store) =>
    store.modify(() =>
      Effect.succeed(
        [undefined, {
          idToken: Redacted.make(tokens.idToken),
          accessToken: Redacted.make(tokens.accessToken),
          refreshToken: Redacted.make(tokens.refreshToken),
          apiKey: null,
          lastRefresh: new Date()
        }] as const
      )
    ))

/**
 * The transport the vitest project runs over (`CODEX_TEST_TRANSPORT`, set per project in
 * `vitest.config.ts`): `"http-client"` or, by default, `"undici"`.
 */
export const testTransport = (): CodexEmulator.TransportName =>
  process.env["CODEX_TEST_TRANSPORT"] === "http-client" ? "http-client" : "undici"

/** `CodexEmulator.transportLayer` for the project's transport (`testTransport`). */
export const transportLayer = () => CodexEmulator.transportLayer(testTransport())

/**
 * `CodexEmulator.layerClient` over the project's transport: `transport` defaults to
 * `testTransport()`, and `CODEX_TEST_RESPONSES_TRANSPORT=websocket` (the `websocket`
 * project) sends `/responses` over the WebSocket route unless `config` sets `transport`.
 */
export const layerClient = (options: Parameters<typeof CodexEmulator.layerClient>[0] = {}) =>
  CodexEmulator.layerClient({
    ...options,
    transport: options.transport ?? testTransport(),
    config: {
      ...(process.env["CODEX_TEST_RESPONSES_TRANSPORT"] === "websocket" ? { transport: "websocket" } : {}),
      ...options.config
    }
  })

/** A tracer that records the names of the spans it makes (and otherwise behaves like Effect's own). */
export const recordingTracer = (names: Array<string>) =>
  Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) => {
      names.push(name)
      return defaultTracer.span(name, parent, context, links, startTime, kind, options)
    },
    context: (f) => f()
  })
