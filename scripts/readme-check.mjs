// Type-checks every ```ts code block of README.md and of every docs/*.md: each block becomes a
// module under .readme-check/, named after its file (`README-01.ts`, `docs-responses-03.ts`), and
// is compiled against the sources (the `codex-backend-sdk` import resolves to src/ through
// tsconfig paths). Exits non-zero on any type error.
import { execFileSync } from "node:child_process"
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"

const root = new URL("..", import.meta.url).pathname
const dir = join(root, ".readme-check")
const files = [
  ["README.md", "README"],
  ...readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => [`docs/${name}`, `docs-${name.slice(0, -3)}`])
]

rmSync(dir, { recursive: true, force: true })
mkdirSync(dir)
let count = 0
for (const [file, prefix] of files) {
  const text = readFileSync(join(root, file), "utf8")
  const blocks = [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1])
  blocks.forEach((code, i) => {
    writeFileSync(join(dir, `${prefix}-${String(i + 1).padStart(2, "0")}.ts`), `${code}\nexport {}\n`)
  })
  count += blocks.length
}
writeFileSync(
  join(dir, "tsconfig.json"),
  JSON.stringify({ extends: "../tsconfig.json", compilerOptions: { noUnusedLocals: false }, include: ["./*.ts"] })
)
try {
  execFileSync(join(root, "node_modules", ".bin", "tsc"), ["--noEmit", "-p", join(dir, "tsconfig.json")], {
    stdio: "inherit"
  })
} catch {
  console.error(`README.md / docs/*.md: a TypeScript block does not type-check (see .readme-check/)`)
  process.exit(1)
}
console.log(`README.md and ${files.length - 1} docs/*.md files: ${count} TypeScript blocks type-check`)
