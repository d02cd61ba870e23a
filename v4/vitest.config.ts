import { defineConfig } from "vitest/config"

// vitest 5: the projects are listed here (vitest.workspace.ts is gone).
export default defineConfig({ test: { projects: ["packages/*"] } })
