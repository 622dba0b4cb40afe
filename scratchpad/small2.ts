import { Effect, Layer, ManagedRuntime } from "effect"
import { NodeHttpClient } from "@effect/platform-node"
import { CodexAuth, CodexConfig, CodexEmulator, Responses } from "../src/index.js"
import { start } from "../bench/server.js"
const server = await start()
const layer = Responses.layer.pipe(Layer.provide(Layer.mergeAll(
  CodexConfig.layer({ codexBaseUrl: server.url("small"), maxStreamRetries: 0, maxRetries: 0 }),
  CodexAuth.layerTokens({ accessToken: CodexEmulator.fakeJwt({}) }),
  NodeHttpClient.layerUndici
)))
const rt = ManagedRuntime.make(layer)
const f = () => rt.runPromise(Effect.flatMap(Responses.Responses, (r) => r.create({ input: "x" })))
for (let i = 0; i < 100; i++) await f()
const c0 = process.cpuUsage(); const t0 = performance.now(); for (let i = 0; i < 1000; i++) await f(); const cu = process.cpuUsage(c0); console.log("cpu ms/req", ((cu.user + cu.system) / 1000 / 1000).toFixed(2))
console.log("sdkCreate", ((performance.now() - t0) / 1000).toFixed(2), "ms/req")
await rt.dispose(); await server.close()
