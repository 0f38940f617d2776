// Verifies webhook deliveries recorded by the Go tests with the official
// Standard Webhooks library (npm "standardwebhooks", pinned in the portal's
// package.json), not with Konstruct's own code.
//
// Usage: node verify-standard-webhooks.cjs <dir with node_modules> <cases.json>
// cases.json: [{ "secret": "whsec_…", "body": "…", "headers": { "webhook-id": … } }]
// Prints a JSON array of { "ok": bool, "error": string } in the same order.
'use strict'
const fs = require('node:fs')
const path = require('node:path')
const { createRequire } = require('node:module')

const [, , moduleDir, casesFile] = process.argv
const { Webhook } = createRequire(path.join(moduleDir, 'package.json'))('standardwebhooks')
const cases = JSON.parse(fs.readFileSync(casesFile, 'utf8'))
const results = cases.map((c) => {
  try {
    new Webhook(c.secret).verify(c.body, c.headers)
    return { ok: true, error: '' }
  } catch (e) {
    return { ok: false, error: String(e && e.message) }
  }
})
process.stdout.write(JSON.stringify(results))
