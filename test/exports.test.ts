import { assert, describe, it } from "@effect/vitest"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"

const root = NodePath.join(import.meta.dirname, "..")
const pkg: unknown = JSON.parse(NodeFs.readFileSync(NodePath.join(root, "package.json"), "utf8"))
const field = (key: string): unknown => (typeof pkg === "object" && pkg !== null ? Reflect.get(pkg, key) : undefined)
const exportsMap = field("exports")
const entries: ReadonlyArray<readonly [string, unknown]> = typeof exportsMap === "object" && exportsMap !== null
  ? Object.entries(exportsMap)
  : []

/** Every public module: `src/<Name>.ts` (PascalCase; `index.ts`, `internal/` and `cli/` are not modules). */
const modules = NodeFs.readdirSync(NodePath.join(root, "src"))
  .filter((file) => /^[A-Z]\w*\.ts$/.test(file))
  .map((file) => file.slice(0, -3))
  .sort()

/** Modules only reachable through their own subpath: they are kept off the main entry's import graph. */
const subpathOnly = ["CodexEmulator"]

const entryFor = (name: string) => ({ types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` })

describe("package.json exports", () => {
  it("every public module has its subpath, and every subpath is a module, the main entry or ./package.json", () => {
    const keys = entries.map(([key]) => key)
    for (const name of modules) {
      const entry = entries.find(([key]) => key === `./${name}`)
      assert.deepStrictEqual(
        entry?.[1],
        entryFor(name),
        `add to package.json "exports": ${JSON.stringify({ [`./${name}`]: entryFor(name) })}`
      )
    }
    assert.deepStrictEqual(
      keys.filter((key) => key !== "." && key !== "./package.json").sort(),
      modules.map((name) => `./${name}`),
      "an export that is not a src/<Module>.ts"
    )
    assert.deepStrictEqual(entries.find(([key]) => key === ".")?.[1], entryFor("index"))
    assert.strictEqual(entries.find(([key]) => key === "./package.json")?.[1], "./package.json")
  })

  it("nothing that runs on import or is internal is exported; no wildcard", () => {
    for (const [key] of entries) {
      assert.notInclude(key, "*")
      assert.notMatch(key, /cli|internal/)
    }
  })

  it("the main entry re-exports every module except the subpath-only ones (the emulator)", () => {
    const index = NodeFs.readFileSync(NodePath.join(root, "src", "index.ts"), "utf8")
    const reexported = [...index.matchAll(/^export \* as (\w+) from "\.\/(\w+)\.js"$/gm)].map((m) => {
      assert.strictEqual(m[1], m[2])
      return m[2] ?? ""
    })
    assert.deepStrictEqual(reexported.sort(), modules.filter((name) => !subpathOnly.includes(name)))
    assert.notInclude(index, "CodexEmulator.js")
  })

  it("the bin is the built CLI, and prepare builds dist/", () => {
    assert.deepStrictEqual(field("bin"), { "codex-backend": "./dist/cli/main.js" })
    const scripts = field("scripts")
    const prepare: unknown = typeof scripts === "object" && scripts !== null ? Reflect.get(scripts, "prepare") : undefined
    assert.strictEqual(prepare, "npm run build")
    assert.isTrue(NodeFs.readFileSync(NodePath.join(root, "src", "cli", "main.ts"), "utf8").startsWith("#!/usr/bin/env node\n"))
  })
})
