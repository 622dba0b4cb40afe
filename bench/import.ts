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
 * Two measures: the time of the `import()` inside the process (without Node's own
 * start-up), and the wall time of the whole process. Each ratio is the median of the
 * per-round ratios to `effect` measured in the same round (neighbours in time, so the
 * machine's drift cancels). Run `npm run build` first.
 *
 *   npm run bench:import [-- --rounds 15]
 */
import * as NodeChild from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"

const root = NodePath.join(import.meta.dirname, "..")
const roundsAt = process.argv.indexOf("--rounds")
const rounds = roundsAt === -1 ? 15 : Number(process.argv[roundsAt + 1])

if (!NodeFs.existsSync(NodePath.join(root, "dist", "index.js"))) {
  console.error("bench:import: dist/ is missing; run `npm run build` first.")
  process.exit(1)
}

interface Sample {
  /** ms spent in `import()`, or undefined for a whole command */
  readonly importMs: number | undefined
  readonly wallMs: number
}

const timedImport = (specifier: string) =>
  `const t = performance.now(); await import(${JSON.stringify(specifier)}); ` +
  `process.stdout.write(String(performance.now() - t))`

const run = (args: ReadonlyArray<string>, parseImport: boolean): Sample => {
  const start = performance.now()
  const result = NodeChild.spawnSync(process.execPath, args, { cwd: root, encoding: "utf8" })
  const wallMs = performance.now() - start
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited ${result.status}: ${result.stderr}`)
  return { importMs: parseImport ? Number(result.stdout) : undefined, wallMs }
}

const contenders = {
  node: () => run(["--input-type=module", "-e", "process.stdout.write('0')"], true),
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
  if (node === undefined || effect === undefined || sdk === undefined || help === undefined) throw new Error("missing sample")
  samples.push({ node, effect, sdk, help })
}

const ms = (n: number) => `${n.toFixed(0)} ms`
const col = (name: Name, pick: (s: Sample) => number | undefined) =>
  median(samples.map((s) => pick(s[name]) ?? Number.NaN))
const ratio = (name: Name, pick: (s: Sample) => number | undefined) =>
  median(samples.map((s) => (pick(s[name]) ?? Number.NaN) / (pick(s.effect) ?? Number.NaN)))

const importOf = (s: Sample) => s.importMs
const wallOf = (s: Sample) => s.wallMs
console.log(`${rounds} rounds, Node ${process.version}; medians (ratio: median of per-round ratios to effect)`)
console.log(`                              import()            whole process`)
console.log(`node (nothing imported)       ${ms(col("node", importOf)).padEnd(20)}${ms(col("node", wallOf))}`)
console.log(`import("effect")              ${ms(col("effect", importOf)).padEnd(20)}${ms(col("effect", wallOf))}`)
console.log(
  `import("codex-backend-sdk")   ${`${ms(col("sdk", importOf))} (${ratio("sdk", importOf).toFixed(2)} ×)`.padEnd(20)}` +
    `${ms(col("sdk", wallOf))} (${ratio("sdk", wallOf).toFixed(2)} ×)`
)
console.log(
  `codex-backend --help          ${"".padEnd(20)}${ms(col("help", wallOf))} (${ratio("help", wallOf).toFixed(2)} ×)`
)
