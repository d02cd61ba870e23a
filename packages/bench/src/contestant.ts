/**
 * One figure of one contender in a fresh process: `contestant.ts <figure> <index> [token server URL]`, started by
 * `Contest.run`; prints the figure as one line of JSON.
 */
import * as Contest from "./contest.js"

const [figure, index, url] = process.argv.slice(2)
Contest.measure(figure as Contest.Figure, Number(index), url).then(
  (value) => {
    process.stdout.write(`\n${JSON.stringify(value)}\n`)
    process.exit(0)
  },
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
