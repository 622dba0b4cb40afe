const line = 'data: {"type":"response.output_text.delta","sequence_number":5,"item_id":"msg_emulated","output_index":0,"content_index":0,"delta":"token ","logprobs":[]}'
const text = ("event: response.output_text.delta\n" + line + "\n\n").repeat(400)
console.log("chunk chars", text.length)
const bench = (name, f) => { for (let i = 0; i < 200; i++) f(); const t0 = performance.now(); for (let i = 0; i < 2000; i++) f(); console.log(name, ((performance.now() - t0) / 2000 * 1000).toFixed(1), "µs per chunk of 400 events") }
bench("indexOf only", () => { let i = 0, n = 0; for (;;) { const j = text.indexOf("\n", i); if (j === -1) break; n++; i = j + 1 } return n })
bench("indexOf+slice", () => { let i = 0, n = 0; for (;;) { const j = text.indexOf("\n", i); if (j === -1) break; const l = text.slice(i, j); n += l.length; i = j + 1 } return n })
bench("indexOf+slice+colon", () => { let i = 0, n = 0; for (;;) { const j = text.indexOf("\n", i); if (j === -1) break; const l = text.slice(i, j); const c = l.indexOf(":"); if (c > 0) { const f = l.slice(0, c); if (f === "data") n++ } i = j + 1 } return n })
bench("split", () => text.split("\n\n").length)
bench("charCode loop", () => { let n = 0; for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++; return n })
