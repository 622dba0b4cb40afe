// Throw-away: small-request throughput at c=16 and the big stream, quick.
import { Effect, Layer, ManagedRuntime, Stream } from "effect"
import { NodeHttpClient } from "@effect/platform-node"
import { request } from "undici"
import OpenAI from "openai"
import { CodexAuth, CodexConfig, CodexEmulator, CodexTransport, Responses } from "../src/index.js"
import { start } from "../bench/server.js"
import type { ScenarioName } from "../bench/server.js"

const server = await start()
const body = JSON.stringify({ model: "gpt-5.4", input: "bench", stream: true })
const rawFetch = async (s: ScenarioName) => {
  const r = await fetch(`${server.url(s)}/responses`, { method: "POST", headers: { "content-type": "application/json" }, body })
  const text = await r.text()
  let n = 0
  for (const f of text.split("\n\n")) { const at = f.indexOf("data: "); if (at !== -1) { JSON.parse(f.slice(at + 6)); n++ } }
  return n
}
const rawUndici = async (s: ScenarioName) => {
  const r = await request(`${server.url(s)}/responses`, { method: "POST", headers: { "content-type": "application/json" }, body })
  const text = await r.body.text()
  let n = 0
  for (const f of text.split("\n\n")) { const at = f.indexOf("data: "); if (at !== -1) { JSON.parse(f.slice(at + 6)); n++ } }
  return n
}
const oai = new OpenAI({ apiKey: "x", baseURL: server.url("small"), maxRetries: 0 })
const openai = async () => {
  const parts: Array<string> = []
  for await (const e of await oai.responses.create({ model: "gpt-5.4", input: "bench", stream: true })) if (e.type === "response.output_text.delta") parts.push(e.delta)
  return parts.join("")
}
const layer = (t: "undici" | "http-client") => Responses.layer.pipe(Layer.provide(Layer.mergeAll(
  CodexConfig.layer({ codexBaseUrl: server.url("small"), maxStreamRetries: 0, maxRetries: 0 }),
  CodexAuth.layerTokens({ accessToken: CodexEmulator.fakeJwt({}) }),
  t === "undici" ? CodexTransport.layerUndici : CodexTransport.layerHttpClient.pipe(Layer.provide(NodeHttpClient.layerUndici))
)))
const rtU = ManagedRuntime.make(layer("undici"))
const rtH = ManagedRuntime.make(layer("http-client"))
const create = Effect.flatMap(Responses.Responses, (r) => r.create({ input: "bench" }))
const sdkU = () => rtU.runPromise(create)
const sdkH = () => rtH.runPromise(create)
const tp = async (f: () => Promise<unknown>, n: number, c: number) => {
  let next = 0
  const t0 = performance.now()
  await Promise.all(Array.from({ length: c }, async () => { while (next < n) { next++; await f() } }))
  return n / ((performance.now() - t0) / 1000)
}
const fs: Array<[string, () => Promise<unknown>]> = [["fetch", () => rawFetch("small")], ["undici", () => rawUndici("small")], ["openai", openai], ["sdk-undici", sdkU], ["sdk-httpclient", sdkH]]
for (const [, f] of fs) await tp(f, 300, 16)
for (let round = 0; round < 2; round++) for (const [name, f] of fs) {
  const c0 = process.cpuUsage()
  await tp(f, 1500, 16)
  const c = process.cpuUsage(c0)
  console.log("cpu/req", name, ((c.user + c.system) / 1500).toFixed(0), "µs")
}
const res: Record<string, Array<number>> = {}
for (let round = 0; round < 3; round++) for (const [name, f] of fs) (res[name] ??= []).push(await tp(f, 1500, 16))
const med = (xs: Array<number>) => xs.sort((a, b) => a - b)[1] ?? 0
const base = med(res["fetch"] ?? [])
for (const [name, xs] of Object.entries(res)) console.log(name, med(xs).toFixed(0), "req/s", (med(xs) / base).toFixed(2), "× fetch")
await rtU.dispose(); await rtH.dispose(); await server.close(); process.exit(0)
