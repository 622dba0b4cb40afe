import { Effect, Layer, ManagedRuntime, Stream } from "effect"
import { NodeHttpClient } from "@effect/platform-node"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { CodexAuth, CodexConfig, CodexEmulator, Responses } from "../src/index.js"
import { start } from "../bench/server.js"

const server = await start()
const layer = Responses.layer.pipe(Layer.provide(Layer.mergeAll(
  CodexConfig.layer({ codexBaseUrl: server.url("small"), maxStreamRetries: 0, maxRetries: 0 }),
  CodexAuth.layerTokens({ accessToken: CodexEmulator.fakeJwt({}) }),
  NodeHttpClient.layerUndici
)))
const rt = ManagedRuntime.make(Layer.merge(layer, NodeHttpClient.layerUndici))
const url = server.url("small") + "/responses"
const variants: Record<string, () => Promise<unknown>> = {
  fetch: async () => { const r = await fetch(url, { method: "POST", body: "{}" }); await r.text() },
  effectText: () => rt.runPromise(Effect.flatMap(HttpClient.HttpClient, (c) => c.execute(HttpClientRequest.post(url).pipe(HttpClientRequest.bodyText("{}")))).pipe(Effect.flatMap((r) => r.text))),
  effectStream: () => rt.runPromise(Effect.flatMap(HttpClient.HttpClient, (c) => c.execute(HttpClientRequest.post(url).pipe(HttpClientRequest.bodyText("{}")))).pipe(Effect.flatMap((r) => Stream.runDrain(r.stream)))),
  sdkCreate: () => rt.runPromise(Effect.flatMap(Responses.Responses, (r) => r.create({ input: "x" }))),
}
for (const [name, f] of Object.entries(variants)) {
  for (let i = 0; i < 50; i++) await f()
  const t0 = performance.now(); for (let i = 0; i < 300; i++) await f()
  const seq = (performance.now() - t0) / 300
  let next = 0; const t1 = performance.now()
  await Promise.all(Array.from({ length: 16 }, async () => { while (next < 500) { next++; await f() } }))
  console.log(name.padEnd(14), "sequential", seq.toFixed(2), "ms/req;", (500 / ((performance.now() - t1) / 1000)).toFixed(0), "req/s at 16")
}
await rt.dispose(); await server.close()
