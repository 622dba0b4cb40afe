// Type-checks every ```ts code block of README.md: each block becomes a module under
// .readme-check/ and is compiled against the sources (the `codex-backend-sdk` import
// resolves to src/ through tsconfig paths). Exits non-zero on any type error.
import { execFileSync } from "node:child_process"
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"

const root = new URL("..", import.meta.url).pathname
const dir = join(root, ".readme-check")
const readme = readFileSync(join(root, "README.md"), "utf8")
const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1])

rmSync(dir, { recursive: true, force: true })
mkdirSync(dir)
blocks.forEach((code, i) => {
  writeFileSync(join(dir, `block-${String(i + 1).padStart(2, "0")}.ts`), `${code}\nexport {}\n`)
})
writeFileSync(
  join(dir, "tsconfig.json"),
  JSON.stringify({ extends: "../tsconfig.json", compilerOptions: { noUnusedLocals: false }, include: ["./*.ts"] })
)
try {
  execFileSync(join(root, "node_modules", ".bin", "tsc"), ["--noEmit", "-p", join(dir, "tsconfig.json")], {
    stdio: "inherit"
  })
} catch {
  console.error(`README.md: a TypeScript block does not type-check (see .readme-check/)`)
  process.exit(1)
}
console.log(`README.md: ${blocks.length} TypeScript blocks type-check`)
