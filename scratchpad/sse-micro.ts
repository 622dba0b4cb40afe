import { SseDecoder } from "../src/internal/sse.js"
const line = 'data: {"type":"response.output_text.delta","sequence_number":5,"item_id":"msg_emulated","output_index":0,"content_index":0,"delta":"token ","logprobs":[]}'
const text = ("event: response.output_text.delta\n" + line + "\n\n").repeat(400)
let n = 0
const s = new SseDecoder(() => { n++ })
for (let i = 0; i < 200; i++) s.pushText(text)
const t0 = performance.now(); for (let i = 0; i < 2000; i++) s.pushText(text)
console.log("pushText", ((performance.now() - t0) / 2000 * 1000).toFixed(1), "µs per chunk", n)
const bytes = new TextEncoder().encode(text)
const t1 = performance.now(); for (let i = 0; i < 2000; i++) s.push(bytes)
console.log("push(bytes)", ((performance.now() - t1) / 2000 * 1000).toFixed(1), "µs per chunk", n)
