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

/**
 * Modules only reachable through their own subpath, kept off the main entry's import graph:
 * the emulator (an HTTP server), and the `@effect/ai` provider (an optional peer).
 */
const subpathOnly = ["CodexEmulator", "CodexLanguageModel"]

const entryFor = (name: string) => ({ types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` })

describe("package.json exports", () => {
  it("every public module has its subpath, and every subpath is a module, the main entry or ./package.json", () => {
    const keys = entries.map(([key]) => key)
    for (const name of modules) {
      const entry = entries.find(([key]) => key === `./${name}`)
      assert.deepStrictEqual(
        entry?.[1],
        entryFor(name),
        `run \`npm run exports\` (or add to package.json "exports": ${
          JSON.stringify({ [`./${name}`]: entryFor(name) })
        })`
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
    const prepare: unknown = typeof scripts === "object" && scripts !== null
      ? Reflect.get(scripts, "prepare")
      : undefined
    assert.strictEqual(prepare, "npm run build")
    assert.isTrue(
      NodeFs.readFileSync(NodePath.join(root, "src", "cli", "main.ts"), "utf8").startsWith("#!/usr/bin/env node\n")
    )
  })
})

/** The static (not `import type`, not `import()`) imports of a source file. */
const staticImports = (file: string): ReadonlyArray<string> => {
  const source = NodeFs.readFileSync(file, "utf8")
  return [...source.matchAll(/^(?:import|export)(?!\s+type\b)[^"';]*?from\s+"([^"]+)"/gm)].map((m) => m[1] ?? "")
}

/** Every source file the main entry loads, and every package specifier they import. */
const mainEntryGraph = () => {
  const files = new Set<string>()
  const packages = new Set<string>()
  const visit = (file: string) => {
    if (files.has(file)) return
    files.add(file)
    for (const specifier of staticImports(file)) {
      if (specifier.startsWith(".")) visit(NodePath.resolve(NodePath.dirname(file), specifier.replace(/\.js$/, ".ts")))
      else packages.add(specifier)
    }
  }
  visit(NodePath.join(root, "src", "index.ts"))
  return { files: [...files].map((file) => NodePath.relative(root, file)), packages: [...packages] }
}

describe("import cost", () => {
  it("src imports @effect/platform and @effect/platform-node by subpath, never their barrels", () => {
    const walk = (dir: string): ReadonlyArray<string> =>
      NodeFs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? walk(NodePath.join(dir, entry.name))
          : entry.name.endsWith(".ts")
          ? [NodePath.join(dir, entry.name)]
          : []
      )
    for (const file of walk(NodePath.join(root, "src"))) {
      const source = NodeFs.readFileSync(file, "utf8")
      assert.notMatch(
        source,
        /^(?:import|export)\b[^\n]*from "@effect\/(platform|platform-node|cli|ai)"$/m,
        `${
          NodePath.relative(root, file)
        }: import a subpath (e.g. @effect/platform-node/NodeHttpClient); the barrel loads every module of the package`
      )
    }
  })

  it("the main entry's static import graph has no emulator, no command, no undici, no @effect/cli or @effect/ai", () => {
    const graph = mainEntryGraph()
    for (const file of graph.files) {
      assert.notMatch(file, /CodexEmulator|internal\/emulator|cli\//, `the main entry loads ${file}`)
      for (const name of subpathOnly) assert.notInclude(file, `src/${name}.ts`)
    }
    for (const specifier of graph.packages) {
      assert.notMatch(
        specifier,
        /^(undici|@effect\/cli|@effect\/ai|@effect\/platform-node\/(NodeHttpClient|NodeHttpServer|NodeContext))/,
        `the main entry loads ${specifier} on import; load it when a layer is built (see src/internal/undici.ts)`
      )
    }
    assert.include(graph.files, "src/Responses.ts")
  })
})
