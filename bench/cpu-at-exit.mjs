// Preloaded by bench/import.ts into every measured process: writes the process's CPU time
// (user + system, all threads, in ms) to $BENCH_CPU_OUT when it exits.
import { writeFileSync } from "node:fs"

const out = process.env.BENCH_CPU_OUT
if (out !== undefined) {
  process.on("exit", () => {
    const { user, system } = process.cpuUsage()
    writeFileSync(out, String((user + system) / 1000))
  })
}
