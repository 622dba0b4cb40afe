// Type-checks every ```ts code block of README.md and of every docs/*.md: each block becomes a
// module under .readme-check/, named after its file (`README-01.ts`, `docs-responses-03.ts`), and
// is compiled against the sources (the `codex-backend-sdk` import resolves to src/ through
// tsconfig paths). Exits non-zero on any type error. It first checks that every relative link of
// these pages (and of bench/README.md) reaches a file, and its `#anchor` a heading of that file.
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"

const root = new URL("..", import.meta.url).pathname
const dir = join(root, ".readme-check")
const files = [
  ["README.md", "README"],
  ...readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => [`docs/${name}`, `docs-${name.slice(0, -3)}`])
]

// GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens.
const slug = (heading) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N}_\- ]/gu, "").replace(/ /g, "-")
const withoutCode = (text) => text.replace(/^```[\s\S]*?^```$/gm, "")
const anchors = (file) =>
  new Set([...withoutCode(readFileSync(file, "utf8")).matchAll(/^#{1,6} (.*)$/gm)].map((m) => slug(m[1])))
const broken = []
for (const file of [...files.map(([file]) => file), "bench/README.md"]) {
  for (const [, target] of withoutCode(readFileSync(join(root, file), "utf8")).matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/.test(target)) continue
    const [path, anchor] = target.split("#")
    const resolved = path === "" ? join(root, file) : join(root, dirname(file), path)
    if (!existsSync(resolved)) broken.push(`${file}: ${target} (no such file)`)
    else if (anchor !== undefined && resolved.endsWith(".md") && !anchors(resolved).has(anchor)) {
      broken.push(`${file}: ${target} (no such heading)`)
    }
  }
}
if (broken.length > 0) {
  console.error(`Broken links:\n  ${broken.join("\n  ")}`)
  process.exit(1)
}

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
