import { EventDecoder } from "../src/internal/events.js"
import { SseDecoder } from "../src/internal/sse.js"
import { start } from "../bench/server.js"
const server = await start()
const url = server.url("big") + "/responses"
let inDecode = 0
const run = async (mode: string) => {
  const r = await fetch(url, { method: "POST", body: "{}" }); const rd = r.body!.getReader()
  const d = new EventDecoder(); const s = new SseDecoder(() => {}); const td = new TextDecoder()
  for (;;) { const x = await rd.read(); if (x.done) break; const t0 = performance.now();
    if (mode === "events") d.push(x.value); else if (mode === "sse") s.push(x.value); else td.decode(x.value, { stream: true })
    inDecode += performance.now() - t0 }
}
for (const mode of ["text", "sse", "events"]) {
  for (let i = 0; i < 3; i++) await run(mode)
  inDecode = 0
  const t0 = performance.now(); for (let i = 0; i < 10; i++) await run(mode)
  console.log(mode, ((performance.now() - t0) / 10).toFixed(1), "ms total,", (inDecode / 10).toFixed(1), "ms decoding")
}
await server.close()
