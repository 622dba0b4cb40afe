// `npm run smoke` (run by .ci/run after `npm test`): the package as a consumer gets it.
//
// 1. Copies what git would check out (tracked and new, not ignored, files: no dist/) into
//    a temporary directory and runs `npm pack` there, so dist/ exists in the tarball only
//    if `prepare` builds it — exactly as for a git-URL or directory install.
// 2. For the lowest and the highest supported effect 3.x: installs the tarball into a
//    fresh project with that effect and the peer versions we test with; checks that
//    `npm ls effect` finds one copy, at that version, and that the bin is linked.
// 3. Type-checks a consumer file under `moduleResolution: "NodeNext"` and `"Bundler"`
//    (without skipLibCheck: our .d.ts are checked too), compiles it and runs it against
//    the emulator (`codex-backend-sdk/CodexEmulator`): a collected and a streamed answer.
// 4. Checks the export map from the consumer's side (`./package.json` importable,
//    `./cli/main` and `./internal/*` not), and runs the linked bin's `--help` and `--version`.
//
// Exits non-zero on the first failure. Needs the npm registry (or npm's cache).
import { execFileSync, spawnSync } from "node:child_process"
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"

const root = new URL("..", import.meta.url).pathname
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
const devVersion = (name) => pkg.devDependencies[name]
const effectRange = pkg.peerDependencies.effect
const lowest = effectRange.replace(/^\^/, "")
const work = mkdtempSync(join(tmpdir(), "codex-consumer-"))
const keep = process.argv.includes("--keep")
const started = Date.now()

const log = (line) => console.log(`smoke [${((Date.now() - started) / 1000).toFixed(0)} s] ${line}`)
const fail = (message) => {
  console.error(`smoke: FAILED: ${message}`)
  if (!keep) rmSync(work, { recursive: true, force: true })
  else console.error(`smoke: kept ${work}`)
  process.exit(1)
}
const run = (command, args, cwd, options = {}) => {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", ...options.env } })
  if (result.error !== undefined) fail(`${command} ${args.join(" ")}: ${result.error.message}`)
  if (result.status !== 0 && options.allowFailure !== true) {
    fail(`${command} ${args.join(" ")} (in ${cwd}) exited ${result.status}\n${result.stdout}\n${result.stderr}`)
  }
  return result
}
const npm = (args, cwd, options) => run("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], cwd, options)

// 1. A clean checkout, packed.
const checkout = join(work, "checkout")
const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: root, encoding: "utf8" })
  .split("\0")
  .filter((file) => file !== "" && existsSync(join(root, file)))
for (const file of files) {
  mkdirSync(dirname(join(checkout, file)), { recursive: true })
  cpSync(join(root, file), join(checkout, file))
}
if (existsSync(join(checkout, "dist"))) fail("the checkout has a dist/ (is it tracked?)")
symlinkSync(join(root, "node_modules"), join(checkout, "node_modules"), "dir") // for `prepare`'s tsc
const packed = JSON.parse(npm(["pack", "--json", "--pack-destination", work], checkout).stdout)
const tarball = join(work, packed[0].filename)
const shipped = packed[0].files.map((f) => f.path)
log(`packed ${packed[0].filename}: ${shipped.length} files, ${(packed[0].size / 1024).toFixed(0)} kB`)
for (const required of ["dist/index.js", "dist/index.d.ts", "dist/CodexEmulator.js", "dist/cli/main.js", "package.json"]) {
  if (!shipped.includes(required)) fail(`the tarball has no ${required} (does \`prepare\` build dist/?)`)
}

// 2–4, per effect version.
const consumer = `import { Chunk, Console, Effect, Stream } from "effect"
import { CodexClient, CodexError, Responses, ResponseStreamEvent } from "codex-backend-sdk"
import * as CodexEmulator from "codex-backend-sdk/CodexEmulator"
import * as OAuth from "codex-backend-sdk/OAuth"

const program = Effect.gen(function*() {
  const client = yield* CodexClient.CodexClient
  const responses = yield* Responses.Responses
  const collected = yield* client.responses.create({ input: "hello consumer" })
  const deltas = yield* responses.stream({ input: "streamed" }).pipe(
    Stream.filter(ResponseStreamEvent.is("response.output_text.delta")),
    Stream.map((event) => event.delta),
    Stream.runCollect
  )
  const emulator = yield* CodexEmulator.CodexEmulator
  yield* emulator.script(CodexEmulator.usageLimit({ planType: "plus" }))
  const limited = yield* Effect.flip(responses.create({ input: "x" }))
  const kind: string = limited._tag === "RateLimited" ? limited.kind : limited._tag
  const typed: CodexError.CodexError = limited
  yield* Console.log(JSON.stringify({
    collected: collected.output_text,
    streamed: Chunk.join(deltas, ""),
    limited: kind,
    isError: typed instanceof Error,
    claims: OAuth.claims("not-a-jwt").accountId ?? null
  }))
})

program.pipe(Effect.provide(CodexEmulator.layerClient()), Effect.runPromise).catch((error) => {
  console.error(error)
  process.exitCode = 1
})
`
const expected = {
  collected: "You said: hello consumer",
  streamed: "You said: streamed",
  limited: "usage_limit_reached",
  isError: true,
  claims: null
}
const exportsCheck = `import { createRequire } from "node:module"
const require = createRequire(import.meta.url)
const version = require("codex-backend-sdk/package.json").version
const closed = []
for (const specifier of ["codex-backend-sdk/cli/main", "codex-backend-sdk/internal/sse", "codex-backend-sdk/dist/index.js"]) {
  try {
    await import(specifier)
    closed.push(specifier + " is importable")
  } catch (error) {
    if (error.code !== "ERR_PACKAGE_PATH_NOT_EXPORTED") closed.push(specifier + ": " + error.code)
  }
}
console.log(JSON.stringify({ version, closed }))
`
const tsconfig = (resolution) => ({
  compilerOptions: {
    target: "ES2022",
    lib: ["ES2022"],
    module: resolution === "NodeNext" ? "NodeNext" : "ESNext",
    moduleResolution: resolution,
    strict: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: false,
    types: ["node"],
    outDir: `out-${resolution}`
  },
  files: ["consumer.ts"]
})

const tsc = join(root, "node_modules", "typescript", "bin", "tsc")

const consumerFor = (effectVersion) => {
  const dir = join(work, `effect-${effectVersion}`)
  mkdirSync(dir)
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }))
  writeFileSync(join(dir, "consumer.ts"), consumer)
  writeFileSync(join(dir, "exports.mjs"), exportsCheck)
  for (const resolution of ["NodeNext", "Bundler"]) {
    writeFileSync(join(dir, `tsconfig.${resolution}.json`), JSON.stringify(tsconfig(resolution), null, 2))
  }
  return dir
}

const check = (effectVersion) => {
  const dir = consumerFor(effectVersion)
  // The one install line of the README, with the versions under test.
  npm([
    "install",
    "--prefer-offline",
    tarball,
    `effect@${effectVersion}`,
    `@effect/platform@${devVersion("@effect/platform")}`,
    `@effect/platform-node@${devVersion("@effect/platform-node")}`,
    `@types/node@${devVersion("@types/node")}`
  ], dir)
  log(`effect ${effectVersion}: installed`)

  const copies = [...new Set(npm(["ls", "effect", "--all", "--parseable"], dir).stdout.split("\n").filter((l) => l !== ""))]
  if (copies.length !== 1) fail(`effect ${effectVersion}: ${copies.length} copies of effect:\n${copies.join("\n")}`)
  const installed = JSON.parse(readFileSync(join(copies[0], "package.json"), "utf8")).version
  if (installed !== effectVersion) fail(`effect ${effectVersion}: the consumer got effect ${installed}`)

  const bin = join(dir, "node_modules", ".bin", "codex-backend")
  if (!existsSync(bin)) fail(`effect ${effectVersion}: the codex-backend bin is not linked`)

  for (const resolution of ["NodeNext", "Bundler"]) {
    run(process.execPath, [tsc, "-p", `tsconfig.${resolution}.json`], dir)
  }
  log(`effect ${effectVersion}: consumer.ts type-checks under NodeNext and Bundler`)

  const ran = run(process.execPath, [join(dir, "out-NodeNext", "consumer.js")], dir)
  const lastLine = ran.stdout.trim().split("\n").pop() ?? ""
  if (lastLine !== JSON.stringify(expected)) fail(`effect ${effectVersion}: consumer printed\n${ran.stdout}\nexpected\n${JSON.stringify(expected)}`)
  if (ran.stderr.includes("Executing an Effect versioned")) fail(`effect ${effectVersion}: two Effect runtimes:\n${ran.stderr}`)

  const exported = JSON.parse(run(process.execPath, ["exports.mjs"], dir).stdout)
  if (exported.version !== pkg.version || exported.closed.length !== 0) fail(`effect ${effectVersion}: exports: ${JSON.stringify(exported)}`)

  const help = run(bin, ["--help"], dir)
  if (!help.stdout.includes("COMMANDS") || help.stderr !== "") fail(`effect ${effectVersion}: codex-backend --help:\n${help.stdout}\n${help.stderr}`)
  const version = run(bin, ["--version"], dir)
  if (version.stdout.trim() !== pkg.version) fail(`effect ${effectVersion}: codex-backend --version printed ${version.stdout}`)
  log(`effect ${effectVersion}: ran against the emulator; exports closed; the bin answers --help and --version`)
}

// The highest supported 3.x: what `npm install effect@3` gives today, if our range accepts it.
const highest = JSON.parse(npm(["view", `effect@${effectRange}`, "version", "--json"], work).stdout)
const highestVersion = Array.isArray(highest) ? highest[highest.length - 1] : highest
log(`effect ${effectRange}: lowest ${lowest}, highest ${highestVersion}`)
for (const version of new Set([lowest, highestVersion])) check(version)

if (!keep) rmSync(work, { recursive: true, force: true })
log("passed")
