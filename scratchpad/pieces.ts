import { Effect, Layer, ManagedRuntime, Stream, Chunk } from "effect"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { EventDecoder } from "../src/internal/events.js"
import { start } from "../bench/server.js"

const server = await start()
const url = server.url("big") + "/responses"
const rt = ManagedRuntime.make(NodeHttpClient.layerUndici)
const req = HttpClientRequest.post(url).pipe(HttpClientRequest.bodyText("{}", "application/json"))
let n = 0
const variants: Record<string, () => Promise<unknown>> = {
  fetchDrain: async () => { const r = await fetch(url, { method: "POST", body: "{}" }); const rd = r.body!.getReader(); for (;;) { const x = await rd.read(); if (x.done) break; n++ } },
  effectDrain: () => rt.runPromise(Effect.flatMap(HttpClient.HttpClient, (c) => c.execute(req)).pipe(Effect.flatMap((r) => Stream.runForEachChunk(r.stream, (c) => Effect.sync(() => { n += c.length }))))),
  effectDecode: () => rt.runPromise(Effect.flatMap(HttpClient.HttpClient, (c) => c.execute(req)).pipe(Effect.flatMap((r) => { const d = new EventDecoder(); return Stream.runForEachChunk(r.stream, (c) => Effect.sync(() => { for (const b of c) n += d.push(b).length })) }))),
  effectDecodeMap: () => rt.runPromise(Effect.flatMap(HttpClient.HttpClient, (c) => c.execute(req)).pipe(Effect.flatMap((r) => { const d = new EventDecoder(); return r.stream.pipe(Stream.mapChunks((c) => { const out: any[] = []; for (const b of c) for (const e of d.push(b)) out.push(e); return Chunk.unsafeFromArray(out) }), Stream.runForEachChunk((c) => Effect.sync(() => { n += c.length }))) }))),
  effectDecodeEach: () => rt.runPromise(Effect.flatMap(HttpClient.HttpClient, (c) => c.execute(req)).pipe(Effect.flatMap((r) => { const d = new EventDecoder(); return r.stream.pipe(Stream.mapChunks((c) => { const out: any[] = []; for (const b of c) for (const e of d.push(b)) out.push(e); return Chunk.unsafeFromArray(out) }), Stream.runForEach(() => Effect.sync(() => { n++ }))) }))),
}
for (const [name, f] of Object.entries(variants)) {
  for (let i = 0; i < 3; i++) await f()
  n = 0
  const t0 = performance.now(); for (let i = 0; i < 10; i++) await f()
  console.log(name.padEnd(18), ((performance.now() - t0) / 10).toFixed(1), "ms", n / 10)
}
await rt.dispose(); await server.close()
