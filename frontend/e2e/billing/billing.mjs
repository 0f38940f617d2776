// Billing and usage, run by api/e2e's TestBillingJourney (not TestPortalJourneys:
// it needs a server with billing on against stripe-mock and seeded usage):
// sign in → billing shows the unsubscribed state → Subscribe reaches the
// Checkout URL stripe-mock made → back from Stripe the page says the
// subscription is pending (no Subscribe button) until Stripe confirms →
// usage shows the chart (exact sub-cent labels) and tables → the budget form
// validates, saves and the badge turns to exceeded → an empty range shows
// the empty state.
import { expect, journey } from '../lib/harness.mjs'

const email = process.env.E2E_EMAIL
const password = process.env.E2E_PASSWORD
if (!email || !password) throw new Error('E2E_EMAIL and E2E_PASSWORD are not set (the Go test creates the account)')

await journey('billing', async ({ page, baseURL, shot, log }) => {
  const origin = new URL(baseURL).origin

  await page.goto('/billing')
  await page.getByRole('heading', { name: 'Sign in' }).waitFor()
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Billing' }).waitFor()
  const subscription = page.getByRole('region', { name: 'Subscription' })
  await subscription.getByText('No subscription').waitFor()
  await page.getByText('Your agents are not answering.').waitFor()
  await subscription.getByText('1 active agent').waitFor()
  await subscription.getByText(/per seat \(active agent\) per month/).waitFor()
  log('billing shows the unsubscribed tenant, the price, and why agents are off')
  await shot('billing-unsubscribed')

  // Stripe's hosted page is on another host: answer it here (page routes come
  // before the harness's block-everything-else route) and record the visit.
  /** @type {string[]} */
  const visited = []
  await page.route(
    (url) => url.origin !== origin,
    (route) => {
      visited.push(route.request().url())
      return route.fulfill({ status: 200, contentType: 'text/html', body: '<title>Stripe Checkout</title><h1>Stripe Checkout</h1>' })
    },
  )
  // The API's answer, read on its way to the page (the page navigates away at once).
  let checkoutURL = ''
  await page.route('**/api/portal/billing/checkout', async (route) => {
    const response = await route.fetch()
    expect(response.status() === 200, `checkout answered 200 (got ${response.status()})`)
    checkoutURL = /** @type {{ checkout_url: string }} */ (await response.json()).checkout_url
    await route.fulfill({ response })
  })
  await page.getByRole('button', { name: 'Subscribe' }).click()
  await page.getByRole('heading', { name: 'Stripe Checkout' }).waitFor()
  expect(/^https:\/\//.test(checkoutURL), `a https Checkout URL (got ${checkoutURL})`)
  expect(page.url() === checkoutURL, `the browser went to the Checkout URL (${checkoutURL}), not ${page.url()}`)
  expect(visited.includes(checkoutURL), 'the Checkout page was requested')
  await page.unrouteAll()
  log(`Subscribe went to stripe-mock's Checkout URL ${checkoutURL}`)

  // Stripe's success URL brings the operator back.
  await page.goto('/billing?checkout=success&session_id=cs_test_123')
  await page.getByText('Subscription pending.').waitFor()
  await page.waitForURL((url) => url.pathname === '/billing' && !url.searchParams.has('checkout'))
  expect((await page.getByRole('button', { name: 'Subscribe' }).count()) === 0, 'no Subscribe button while Stripe confirms')
  await subscription.getByText('Pending').waitFor()
  await page.reload()
  await page.getByText('Subscription pending.').waitFor()
  await shot('billing-returned')
  log('back from Stripe: pending (also after a reload), and the parameter is gone')

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Usage' }).first().click()
  await page.getByRole('heading', { name: 'Usage', exact: true }).waitFor()
  const chart = page.getByTestId('usage-chart')
  await chart.locator('svg').waitFor()
  const bars = await chart.locator('.usage-bar').evaluateAll((els) => els.filter((e) => Number(e.getAttribute('height')) > 0).length)
  expect(bars >= 1, `the chart draws a bar per day with usage (got ${bars})`)
  await page.getByRole('table', { name: 'By agent' }).getByRole('cell', { name: 'Ada' }).waitFor()
  const models = page.getByRole('table', { name: 'By model' })
  await models.getByRole('cell', { name: 'openai/gpt-4o-mini' }).waitFor()
  await models.getByRole('cell', { name: 'openai/gpt-4o', exact: true }).waitFor()
  const budget = page.getByRole('region', { name: 'Monthly budget' })
  await budget.getByText('No limit set').waitFor()
  log(`usage: ${bars} bars, by-agent and by-model tables, no budget yet`)
  await shot('usage')

  await budget.getByRole('button', { name: 'Change budget' }).click()
  const limit = budget.getByLabel('Monthly limit (USD)')
  await limit.fill('lots')
  await budget.getByRole('button', { name: 'Save budget' }).click()
  await budget.getByText('Enter an amount in dollars, e.g. 250 or 99.50').waitFor()
  expect((await limit.getAttribute('aria-invalid')) === 'true', 'the limit is marked invalid')
  await limit.fill('1')
  await budget.getByRole('combobox', { name: 'At the limit' }).selectOption('stop')
  await budget.getByRole('button', { name: 'Save budget' }).click()
  await page.getByText('Budget saved').waitFor()
  await budget.getByText('Budget exceeded').waitFor()
  await budget.getByRole('progressbar', { name: 'Budget used' }).waitFor()
  log('budget of $1 with action stop saved; the badge says exceeded')
  await shot('usage-budget-exceeded')

  await page.goto('/usage?from=2020-01-01&to=2020-01-31')
  await page.getByText('No usage in this range').waitFor()
  expect((await page.getByLabel('From').inputValue()) === '2020-01-01', 'the range comes from the URL')
  await shot('usage-empty')
})
