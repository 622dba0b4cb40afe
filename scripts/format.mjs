// Formats the TypeScript of the repository with dprint's TypeScript plugin, run as
// WebAssembly through @dprint/formatter (no platform binary, no plugin download).
// `node scripts/format.mjs` rewrites the files; `--check` lists the unformatted ones and
// exits 1. The settings are in dprint.json (Effect's own).
import { createFromBuffer } from "@dprint/formatter"
import { getPath } from "@dprint/typescript"
import * as fs from "node:fs"
import * as path from "node:path"

const root = path.resolve(import.meta.dirname, "..")
const config = JSON.parse(fs.readFileSync(path.join(root, "dprint.json"), "utf8"))
const formatter = createFromBuffer(fs.readFileSync(getPath()))
formatter.setConfig({}, config.typescript)

const check = process.argv.includes("--check")
const skipped = new Set(config.skip)
const files = []
const walk = (dir) => {
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const relative = path.posix.join(dir, entry.name)
    if (skipped.has(relative)) continue
    if (entry.isDirectory()) walk(relative)
    else if (/\.(ts|mts)$/.test(entry.name)) files.push(relative)
  }
}
for (const dir of config.directories) walk(dir)
for (const file of config.files) files.push(file)

const unformatted = []
for (const file of files) {
  const text = fs.readFileSync(path.join(root, file), "utf8")
  const formatted = formatter.formatText({ filePath: file, fileText: text })
  if (formatted === text) continue
  unformatted.push(file)
  if (!check) fs.writeFileSync(path.join(root, file), formatted)
}
if (check && unformatted.length > 0) {
  console.error(`Not formatted (run npm run format):\n  ${unformatted.join("\n  ")}`)
  process.exit(1)
}
console.log(`${files.length} files ${check ? "checked" : `formatted (${unformatted.length} changed)`}`)
