import { Effect, Layer, ManagedRuntime, Stream } from "effect"
import { NodeHttpClient } from "@effect/platform-node"
import { CodexAuth, CodexConfig, CodexEmulator, Responses } from "../src/index.js"
import { start } from "../bench/server.js"

const server = await start()
const layer = Responses.layer.pipe(Layer.provide(Layer.mergeAll(
  CodexConfig.layer({ codexBaseUrl: server.url("big"), maxStreamRetries: 0, maxRetries: 0 }),
  CodexAuth.layerTokens({ accessToken: CodexEmulator.fakeJwt({}) }),
  NodeHttpClient.layerUndici
)))
const rt = ManagedRuntime.make(layer)
const mode = process.argv[2] ?? "each"
let chunks = 0
const run = () => rt.runPromise(Effect.flatMap(Responses.Responses, (r) =>
  mode === "each"
    ? r.stream({ input: "x" }).pipe(Stream.runForEach(() => Effect.void))
    : r.create({ input: "x" })))
for (let i = 0; i < 3; i++) await run()
const t0 = performance.now()
for (let i = 0; i < 20; i++) await run()
console.log(mode, ((performance.now() - t0) / 20).toFixed(1), "ms", chunks)
await rt.dispose(); await server.close()
