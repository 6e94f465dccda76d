// Electron security scan (@doyensec/electronegativity) over the sources of the main process, the
// preload and the renderer. Prints the findings and a count per check id, and exits 1 on any
// finding or on a file the scanner could not parse — a finding that is a false positive must be
// suppressed in place with `// eng-disable CHECK_ID` and a reason, never here.
// Usage: node scripts/electronegativity.mjs [dir]   (default: src)
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'

const require = createRequire(import.meta.url)
const run = require('@doyensec/electronegativity')
const input = process.argv[2] ?? 'src'

// The scanner looks for the Electron version in a package.json inside the scanned folder; src/ has
// none, so tell it the one we ship, or it assumes Electron 0.1 and its insecure defaults.
const electronVersion = JSON.parse(
  readFileSync(require.resolve('electron/package.json'), 'utf8'),
).version

const result = await run({
  input,
  isRelative: true,
  electronVersionOverride: electronVersion,
  // This check downloads Electron's release list from GitHub, and it only ever reports on a
  // package.json, which src/ does not contain: it could find nothing here and would only make the
  // verdict depend on the network. Electron upgrades go through the pinned devDependency.
  excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
})

const fatal = result.errors.filter((e) => !e.tolerable)
for (const e of result.errors) {
  console.log(`${e.tolerable ? 'warning' : 'error'}: could not parse ${e.file}: ${e.message}`)
}

const counts = new Map()
for (const issue of result.issues) {
  counts.set(issue.id, (counts.get(issue.id) ?? 0) + 1)
  const review = issue.manualReview ? ' (review required)' : ''
  console.log(
    `${issue.id} ${issue.severity.name}/${issue.confidence.name}${review}\n` +
      `  ${issue.file}:${issue.location.line}:${issue.location.column}  ${issue.sample ?? ''}\n` +
      `  ${issue.description}  ${issue.shortenedURL}`,
  )
}

console.log(
  `electronegativity ${electronVersion ? `(Electron ${electronVersion}) ` : ''}over ${input}: ` +
    `${result.globalChecks + result.atomicChecks} checks, ${result.issues.length} finding(s)` +
    (counts.size ? ': ' + [...counts].map(([id, n]) => `${id}=${n}`).join(', ') : ''),
)
process.exit(result.issues.length > 0 || fatal.length > 0 ? 1 : 0)
