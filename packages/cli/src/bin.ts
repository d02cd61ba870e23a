#!/usr/bin/env node
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Cli from "./Cli.js"

Cli.run(process.argv).pipe(
  // A "no" from the command is already explained on stdout: just the exit code.
  Effect.catchTag("CommandFailed", () => Effect.sync(() => void (process.exitCode = 1))),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain
)
