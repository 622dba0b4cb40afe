/**
 * `npm run bench:import`: what a user pays before the first line of their own code runs.
 *
 * Each round starts fresh Node processes, in an order that rotates round by round, for:
 *
 * - `import("effect")`: the baseline every Effect program pays anyway;
 * - `import("codex-backend-sdk")`: the main entry, from the built `dist/` (the package
 *   imports itself by name, through its `exports` map, exactly as a consumer does);
 * - `codex-backend --help`: the built bin, the whole process.
 *
 * Measures: the `import()` inside the process (without Node's own start-up), wall and CPU
 * time, and the whole process, wall and CPU time (user + system, every thread; written by
 * bench/cpu-at-exit.mjs when the process exits). CPU time is the steadier measure on a
 * busy machine: waiting for a core does not count. Each ratio is the median of the
 * per-round ratios to `effect` measured in the same round (neighbours in time, so the
 * machine's drift cancels); "best" is the ratio of the fastest runs, which a busy machine
 * can only slow down. Run `npm run build` first.
 *
 *   npm run bench:import [-- --rounds 15]
 */
import * as NodeChild from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"

const root = NodePath.join(import.meta.dirname, "..")
const roundsAt = process.argv.indexOf("--rounds")
const rounds = roundsAt === -1 ? 15 : Number(process.argv[roundsAt + 1])

if (!NodeFs.existsSync(NodePath.join(root, "dist", "index.js"))) {
  console.error("bench:import: dist/ is missing; run `npm run build` first.")
  process.exit(1)
}

interface Sample {
  /** ms spent in `import()` (wall, CPU), or undefined for a whole command */
  readonly importMs: number | undefined
  readonly importCpuMs: number | undefined
  readonly wallMs: number
  readonly cpuMs: number
}

const timedImport = (specifier: string) =>
  `const t = performance.now(); const c = process.cpuUsage(); await import(${JSON.stringify(specifier)}); ` +
  `const d = process.cpuUsage(c); ` +
  `process.stdout.write(JSON.stringify([performance.now() - t, (d.user + d.system) / 1000]))`

const cpuOut = NodePath.join(NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "bench-import-")), "cpu")
const preload = NodePath.join(import.meta.dirname, "cpu-at-exit.mjs")

const run = (args: ReadonlyArray<string>, parseImport: boolean): Sample => {
  const start = performance.now()
  const result = NodeChild.spawnSync(process.execPath, ["--import", preload, ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, BENCH_CPU_OUT: cpuOut }
  })
  const wallMs = performance.now() - start
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited ${result.status}: ${result.stderr}`)
  const cpuMs = Number(NodeFs.readFileSync(cpuOut, "utf8"))
  const measured: unknown = parseImport ? JSON.parse(result.stdout) : undefined
  const pair = Array.isArray(measured) ? measured.map(Number) : []
  return { importMs: pair[0], importCpuMs: pair[1], wallMs, cpuMs }
}

const contenders = {
  node: () => run(["--input-type=module", "-e", "process.stdout.write('[0,0]')"], true),
  effect: () => run(["--input-type=module", "-e", timedImport("effect")], true),
  sdk: () => run(["--input-type=module", "-e", timedImport("codex-backend-sdk")], true),
  help: () => run([NodePath.join(root, "dist", "cli", "main.js"), "--help"], false)
} as const
type Name = keyof typeof contenders
const names: ReadonlyArray<Name> = ["node", "effect", "sdk", "help"]

const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

// one warm-up round fills the OS file cache; it is not counted
for (const name of names) contenders[name]()

const samples: Array<Record<Name, Sample>> = []
for (let round = 0; round < rounds; round++) {
  const order = names.map((_, i) => names[(i + round) % names.length] ?? "node")
  const entry: Partial<Record<Name, Sample>> = {}
  for (const name of order) entry[name] = contenders[name]()
  const { node, effect, sdk, help } = entry
  if (node === undefined || effect === undefined || sdk === undefined || help === undefined) {
    throw new Error("missing sample")
  }
  samples.push({ node, effect, sdk, help })
}

const ms = (n: number) => `${n.toFixed(0)} ms`
const col = (name: Name, pick: (s: Sample) => number | undefined) =>
  median(samples.map((s) => pick(s[name]) ?? Number.NaN))
const ratio = (name: Name, pick: (s: Sample) => number | undefined) =>
  median(samples.map((s) => (pick(s[name]) ?? Number.NaN) / (pick(s.effect) ?? Number.NaN)))

const measures: ReadonlyArray<readonly [string, (s: Sample) => number | undefined]> = [
  ["import() wall", (s) => s.importMs],
  ["import() CPU", (s) => s.importCpuMs],
  ["process wall", (s) => s.wallMs],
  ["process CPU", (s) => s.cpuMs]
]
const labels: Record<Name, string> = {
  node: "node (nothing imported)",
  effect: "import(\"effect\")",
  sdk: "import(\"codex-backend-sdk\")",
  help: "codex-backend --help"
}
const cell = (name: Name, pick: (s: Sample) => number | undefined) => {
  const value = col(name, pick)
  if (Number.isNaN(value)) return ""
  const best = Math.min(...samples.map((s) => pick(s[name]) ?? Number.NaN)) /
    Math.min(...samples.map((s) => pick(s.effect) ?? Number.NaN))
  return name === "node" || name === "effect"
    ? ms(value)
    : `${ms(value)} (${ratio(name, pick).toFixed(2)} ×; best ${best.toFixed(2)} ×)`
}
console.log(
  `${rounds} rounds, Node ${process.version}, ${NodeOs.cpus().length} cores, load ${NodeOs.loadavg()[0]?.toFixed(1)}`
)
console.log(`medians; ratio: median of the per-round ratios to import("effect"); best: fastest run over fastest run`)
console.log(`${"".padEnd(30)}${measures.map(([label]) => label.padEnd(36)).join("")}`)
for (const name of names) {
  console.log(`${labels[name].padEnd(30)}${measures.map(([, pick]) => cell(name, pick).padEnd(36)).join("")}`)
}
NodeFs.rmSync(NodePath.dirname(cpuOut), { recursive: true, force: true })

if (process.argv.includes("--markdown")) {
  const header = `| | ${measures.map(([label]) => label).join(" | ")} |`
  console.log(`\n${header}\n|---|${measures.map(() => "---").join("|")}|`)
  for (const name of names) {
    console.log(
      `| ${labels[name].replace(/^(import\(".*"\)|codex-backend --help)$/, "`$1`")} | ${
        measures.map(([, pick]) => cell(name, pick) || "—").join(" | ")
      } |`
    )
  }
}
