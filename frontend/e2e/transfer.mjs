// Measurement: the JavaScript a first visit transfers, with an empty cache,
// for the pages people land on (sign-in, the dashboard, the wizard, usage).
// Each page loads cold (the browser cache cleared before it); the bytes are
// the browser's own Resource Timing figures for every .js it fetched, so
// code a page lazy-loads on arrival counts too: "encoded" is the JavaScript
// as it crossed the wire (the budget: 150 KB), "transferred" adds each
// response's HTTP/1.1 headers (HTTP/2 compresses those away), "decoded" is
// the same code uncompressed, which is what the server sent before it served
// the build's brotli copies, measured in the same run. Results go to
// test-artifacts/transfer.json.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, journey, need, signIn } from './lib/harness.mjs'

const BUDGET = 150 * 1024

await journey('transfer', async ({ page, context, log }) => {
  const cdp = await context.newCDPSession(page)
  await cdp.send('Network.enable')

  /** @type {Array<{ page: string, files: number, transferred: number, encoded: number, decoded: number }>} */
  const results = []
  const measure = async (/** @type {string} */ name, /** @type {string} */ path, /** @type {() => Promise<void>} */ ready) => {
    await page.goto('about:blank')
    await cdp.send('Network.clearBrowserCache')
    await page.goto(path)
    await ready()
    await page.waitForLoadState('networkidle')
    const js = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .map((e) => /** @type {PerformanceResourceTiming} */ (e))
        .filter((e) => new URL(e.name).pathname.endsWith('.js'))
        .map((e) => ({ transferred: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize })),
    )
    const sum = (/** @type {'transferred' | 'encoded' | 'decoded'} */ k) => js.reduce((n, e) => n + e[k], 0)
    const r = { page: name, files: js.length, transferred: sum('transferred'), encoded: sum('encoded'), decoded: sum('decoded') }
    expect(r.files > 0 && r.decoded > 0, `${name}: the browser reported its scripts (${JSON.stringify(r)})`)
    results.push(r)
    const kb = (/** @type {number} */ n) => `${(n / 1024).toFixed(1)} KB`
    log(
      `${name}: ${r.files} scripts, ${kb(r.encoded)} of JavaScript (${kb(r.transferred)} with HTTP/1.1 headers; ${kb(r.decoded)} uncompressed, ${((100 * r.encoded) / r.decoded).toFixed(0)}%)`,
    )
  }

  await measure('sign-in', '/sign-in', () => page.getByRole('heading', { name: 'Sign in' }).waitFor())
  await signIn(page)
  await measure('dashboard', '/', () => page.getByRole('region', { name: 'Live status' }).waitFor())
  // A new workspace's first visit to the wizard is step 1.
  await measure('onboarding', '/onboarding', () => page.getByRole('heading', { name: 'Connect a channel' }).waitFor())
  await measure('usage', '/usage', () => page.getByRole('heading', { name: 'Usage', exact: true }).waitFor())

  await writeFile(join(need('ARTIFACTS_DIR'), '..', 'transfer.json'), JSON.stringify({ budget: BUDGET, pages: results }, null, 2) + '\n')
  for (const r of results) expect(r.encoded <= BUDGET, `${r.page}: ${r.encoded} bytes of JavaScript transferred, over ${BUDGET}`)
})
