const fs = require("fs"); const d = process.argv[2]; const f = fs.readdirSync(d)[0]; const p = JSON.parse(fs.readFileSync(d + f))
const byId = new Map(p.nodes.map((n) => [n.id, n])); const dt = p.timeDeltas; const total = dt.reduce((a, b) => a + b, 0)
const selfT = new Map(); p.samples.forEach((s, i) => selfT.set(s, (selfT.get(s) || 0) + (dt[i] || 0)))
const parent = new Map(); for (const n of p.nodes) for (const c of n.children || []) parent.set(c, n.id)
const incl = new Map()
for (const [id, t] of selfT) { const seen = new Set(); let cur = id; while (cur !== undefined) { const n = byId.get(cur); const k = n.callFrame.functionName + " " + n.callFrame.url.split("/").slice(-2).join("/") + ":" + n.callFrame.lineNumber; if (!seen.has(k)) { seen.add(k); incl.set(k, (incl.get(k) || 0) + t) } cur = parent.get(cur) } }
const filter = process.argv[3] ? new RegExp(process.argv[3]) : /./
;[...incl].filter(([k]) => filter.test(k)).sort((a, b) => b[1] - a[1]).slice(0, 40).forEach(([k, t]) => console.log((t / total * 100).toFixed(1) + "%", k))
