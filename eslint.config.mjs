// The linter run by `npm test` (`npm run lint`): typescript-eslint's recommended rules, and
// @effect/eslint-plugin's rule against importing a package's barrel (the SDK imports
// subpaths, so a program loads only what it uses). Formatting is dprint's (`npm run format`).
import effect from "@effect/eslint-plugin"
import tseslint from "typescript-eslint"

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", ".readme-check/**", "scratchpad/**", "bench/results/**", "coverage/**"] },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    plugins: { "@effect": effect },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error"
    }
  },
  {
    files: ["src/**/*.ts"],
    rules: {
      "@effect/no-import-from-barrel-package": ["error", {
        packageNames: ["@effect/platform", "@effect/platform-node", "@effect/ai", "@effect/cli"]
      }]
    }
  }
)
