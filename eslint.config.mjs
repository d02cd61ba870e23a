import effect from "@effect/eslint-plugin"
import tseslint from "typescript-eslint"

// Formatting is dprint's, run as an eslint rule, with the settings the Effect
// repository uses: 2 spaces, no semicolons, double quotes, width 120.
export default tseslint.config(
  { ignores: ["**/build/**", "**/dist/**", "**/node_modules/**", "**/*.mjs", "**/*.cjs"] },
  ...tseslint.configs.recommended,
  ...effect.configs.dprint,
  {
    files: ["**/*.ts"],
    plugins: { "@effect": effect },
    rules: {
      "@effect/dprint": ["error", {
        config: {
          indentWidth: 2,
          lineWidth: 120,
          semiColons: "asi",
          quoteStyle: "alwaysDouble",
          trailingCommas: "never",
          operatorPosition: "maintain",
          "arrowFunction.useParentheses": "force"
        }
      }],
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-empty-object-type": "off",
      "@typescript-eslint/no-unsafe-declaration-merging": "off",
      "@typescript-eslint/no-namespace": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/array-type": ["warn", { default: "generic", readonly: "generic" }],
      "no-restricted-imports": ["error", {
        patterns: [
          { group: ["effect/unstable/*"], message: "effect/unstable is the v4 line; this project is on effect 3" },
          { group: ["@effect/schema", "@effect/schema/*"], message: "use effect/Schema" }
        ]
      }]
    }
  },
  {
    // The protocol code both Effect lines share: no Effect (either line), no Node builtin, no dependency.
    files: ["packages/protocol/src/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [
          { group: ["effect", "effect/*", "@effect/*"], message: "@authfx/protocol is effect-free: both lines import it" },
          { group: ["node:*"], message: "@authfx/protocol runs on every runtime: use the web platform" }
        ]
      }]
    }
  },
  {
    // The fakes both Effect lines' testkits wrap: Node only, no Effect (either line).
    files: ["packages/fakes/src/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [
          { group: ["effect", "effect/*", "@effect/*"], message: "@authfx/fakes is effect-free: both testkits wrap it" }
        ]
      }]
    }
  },
  {
    // The TON code both Effect lines share: no Effect (either line), no Node builtin; @ton/* and @authfx/protocol.
    files: ["packages/ton/src/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [
          { group: ["effect", "effect/*", "@effect/*"], message: "@authfx/ton is effect-free: both lines import it" },
          { group: ["node:*"], message: "@authfx/ton runs in browsers too: no Node builtin" }
        ]
      }]
    }
  },
  {
    // The effect 4 line: its own effect, never the v3 line's packages or @effect/platform (folded into effect 4).
    files: ["v4/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [
          { group: ["@effect/platform", "@effect/platform/*"], message: "effect 4: effect/http/*, effect/socket/*" },
          { group: ["**/../packages/*/src/*"], message: "the v4 line never imports the v3 line's sources" }
        ]
      }]
    }
  }
)
