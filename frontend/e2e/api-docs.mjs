// Journey (c): /api/docs renders the contract from /api/openapi.json, and the
// page asks no host but the server for anything (the harness aborts and
// reports any other request, and any CSP violation shows as a console error).
import { expect, journey } from './lib/harness.mjs'

await journey('api-docs', async ({ page, baseURL, shot, log }) => {
  const origin = new URL(baseURL).origin
  /** @type {string[]} */
  const requested = []
  page.on('request', (r) => requested.push(r.url()))

  const response = await page.goto('/api/docs')
  expect(response?.status() === 200, `/api/docs answers 200 (got ${response?.status()})`)
  await page.locator('.swagger-ui .info .title').filter({ hasText: 'Konstruct API' }).waitFor()
  await page.locator('.opblock-summary-path').filter({ hasText: '/api/portal/tenants/{tenant_id}/agents' }).first().waitFor()
  // The webhooks Slack, Meta and Stripe call are documented too (the served spec once had them emptied).
  await page.locator('.opblock-summary-path').filter({ hasText: '/api/webhooks/stripe' }).first().waitFor()
  const operations = await page.locator('.opblock').count()
  expect(operations >= 20, `every operation is listed (saw ${operations})`)
  expect(requested.some((u) => u === `${origin}/api/openapi.json`), 'the spec came from /api/openapi.json')
  log(`rendered ${operations} operations`)
  await shot('docs')

  // Open one operation: its description and responses render too.
  await page.locator('.opblock-summary').filter({ hasText: '/api/portal/me' }).first().click()
  await page.getByText('For a signed-in user').first().waitFor()
  await page.waitForLoadState('networkidle')
  await shot('docs-operation')

  const foreign = requested.filter((u) => !u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:'))
  expect(foreign.length === 0, `no request left the server: ${foreign.join(', ')}`)
  log(`${requested.length} requests, all to ${origin}`)
})
