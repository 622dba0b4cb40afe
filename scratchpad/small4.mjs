import { Effect, Layer, ManagedRuntime } from "effect"
import { NodeHttpClient } from "@effect/platform-node"
import * as http from "node:http"
import { CodexAuth, CodexConfig, CodexEmulator, Responses } from "/work/main/dist/index.js"
const body = Buffer.from(CodexEmulator.textEvents("token ".repeat(20), { deltaSize: 6 }).map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join(""))
const server = http.createServer((req, res) => { req.resume(); req.on("end", () => { res.writeHead(200, { "content-type": "text/event-stream" }); res.end(body) }) }); let conns = 0; server.on("connection", () => conns++); process.on("exit", () => console.log("connections", conns))
await new Promise((r) => server.listen(0, "127.0.0.1", r))
const base = `http://127.0.0.1:${server.address().port}/backend-api/codex`
const rt = ManagedRuntime.make(Responses.layer.pipe(Layer.provide(Layer.mergeAll(
  CodexConfig.layer({ codexBaseUrl: base, maxStreamRetries: 0, maxRetries: 0 }),
  CodexAuth.layerTokens({ accessToken: CodexEmulator.fakeJwt({}) }), NodeHttpClient.layerUndici))))
const sdk = () => rt.runPromise(Effect.flatMap(Responses.Responses, (r) => r.create({ input: "x" })))
const raw = async () => { const r = await fetch(base + "/responses", { method: "POST", body: "{}" }); const rd = r.body.getReader(); const d = new TextDecoder(); let buf = ""; for (;;) { const x = await rd.read(); if (x.done) break; buf += d.decode(x.value, { stream: true }); const fr = buf.split("\n\n"); buf = fr.pop(); for (const q of fr) { const at = q.indexOf("data: "); if (at !== -1) JSON.parse(q.slice(at + 6)) } } }
const tp = async (f) => { let next = 0; const t0 = performance.now(); await Promise.all(Array.from({ length: 16 }, async () => { while (next < 1000) { next++; await f() } })); return 1000 / ((performance.now() - t0) / 1000) }
await tp(sdk); await tp(raw)
const r = { sdk: [], raw: [] }
for (let i = 0; i < 3; i++) { r.raw.push(await tp(raw)); r.sdk.push(await tp(sdk)) }
const med = (a) => a.sort((x, y) => x - y)[1]
console.log("req/s raw", med(r.raw).toFixed(0), "sdk", med(r.sdk).toFixed(0), "ratio", (med(r.sdk) / med(r.raw)).toFixed(2))
await rt.dispose(); server.close()
