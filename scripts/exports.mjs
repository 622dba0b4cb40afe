// `npm run exports`: rewrites package.json "exports" from the modules in src/: the main
// entry, one subpath per `src/<Module>.ts`, and ./package.json. Nothing else is exported
// (no wildcard: `internal/*` and `cli/*` stay closed). test/exports.test.ts checks the map.
import { readFileSync, readdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"

const root = new URL("..", import.meta.url).pathname
const file = join(root, "package.json")
const pkg = JSON.parse(readFileSync(file, "utf8"))
const modules = readdirSync(join(root, "src"))
  .filter((name) => /^[A-Z]\w*\.ts$/.test(name))
  .map((name) => name.slice(0, -3))
  .sort()
const entry = (name) => ({ types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` })
pkg.exports = {
  ".": entry("index"),
  "./package.json": "./package.json",
  ...Object.fromEntries(modules.map((name) => [`./${name}`, entry(name)]))
}
writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`)
console.log(`package.json exports: the main entry, ./package.json and ${modules.length} modules`)
