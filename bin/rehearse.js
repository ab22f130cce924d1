#!/usr/bin/env node
// The `rehearse` command. Rehearse targets Node 24 LTS; the project brings it as a dependency
// (the `node` package), so `npx rehearse` and npm scripts run on it even where an older Node is
// installed system-wide.
const major = Number(process.versions.node.split('.')[0])
if (major < 24) {
  process.stderr.write(
    `error[NODE_VERSION]: Rehearse needs Node 24 or newer; this is Node ${process.versions.node}.\n` +
      `  hint: run it through npm (npx rehearse …), which uses the Node 24 the project installs, or install Node 24.\n`,
  )
  process.exit(3)
}
const { main } = await import('../dist/cli/main.js')
process.exitCode = await main(process.argv.slice(2))
// Everything main started is closed by now; if a stray handle still holds the event loop, do not
// hang the user's terminal or CI over it (pending log writes get a moment to finish first).
setTimeout(() => process.exit(), 1500).unref()
