import { Effect, Layer, ManagedRuntime } from "effect"
import { CodexAuth, CodexConfig, CodexEmulator, CodexTransport, Responses } from "../src/index.js"
import { start } from "../bench/server.js"
const server = await start()
const rt = ManagedRuntime.make(Responses.layer.pipe(Layer.provide(Layer.mergeAll(
  CodexConfig.layer({ codexBaseUrl: server.url("small"), maxStreamRetries: 0, maxRetries: 0 }),
  CodexAuth.layerTokens({ accessToken: CodexEmulator.fakeJwt({}) }),
  CodexTransport.layerUndici))))
const create = Effect.flatMap(Responses.Responses, (r) => r.create({ input: "bench" }))
const tp = async (n: number) => { let next = 0; const t0 = performance.now(); await Promise.all(Array.from({ length: 16 }, async () => { while (next < n) { next++; await rt.runPromise(create) } })); return n / ((performance.now() - t0) / 1000) }
await tp(500)
console.log((await tp(20000)).toFixed(0))
await rt.dispose(); await server.close(); process.exit(0)
