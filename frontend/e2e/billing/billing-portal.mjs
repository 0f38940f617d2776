// The subscribed tenant (TestBillingJourney activates it by webhook after
// billing.mjs): the billing page shows it active, agents stopped by the
// budget billing.mjs set, and
// "Manage billing" reaches the Customer Portal URL stripe-mock made.
import { expect, journey } from '../lib/harness.mjs'

const email = process.env.E2E_EMAIL
const password = process.env.E2E_PASSWORD
if (!email || !password) throw new Error('E2E_EMAIL and E2E_PASSWORD are not set (the Go test creates the account)')

await journey('billing-portal', async ({ page, baseURL, shot, log }) => {
  const origin = new URL(baseURL).origin

  await page.goto('/billing')
  await page.getByRole('heading', { name: 'Sign in' }).waitFor()
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Billing' }).waitFor()
  const subscription = page.getByRole('region', { name: 'Subscription' })
  await subscription.getByText('Active', { exact: true }).waitFor()
  await subscription.getByText('Standard').waitFor()
  await subscription.getByText('Current period ends').waitFor()
  // billing.mjs set a $1 budget with action stop, and this month's usage is over it.
  await page.getByText('Your agents are not answering.').waitFor()
  await page.getByText(/monthly budget is spent/).waitFor()
  expect((await page.getByRole('button', { name: 'Subscribe' }).count()) === 0, 'no Subscribe button once subscribed')
  await shot('billing-active')

  /** @type {string[]} */
  const visited = []
  await page.route(
    (url) => url.origin !== origin,
    (route) => {
      visited.push(route.request().url())
      return route.fulfill({ status: 200, contentType: 'text/html', body: '<title>Stripe portal</title><h1>Stripe Customer Portal</h1>' })
    },
  )
  let portalURL = ''
  await page.route('**/api/portal/billing/portal', async (route) => {
    const response = await route.fetch()
    expect(response.status() === 200, `portal answered 200 (got ${response.status()})`)
    portalURL = /** @type {{ portal_url: string }} */ (await response.json()).portal_url
    await route.fulfill({ response })
  })
  await page.getByRole('button', { name: 'Manage billing' }).click()
  await page.getByRole('heading', { name: 'Stripe Customer Portal' }).waitFor()
  expect(/^https:\/\//.test(portalURL), `a https portal URL (got ${portalURL})`)
  // stripe-mock's fixture URL has {braces}, which the browser percent-encodes.
  const expected = new URL(portalURL).href
  expect(page.url() === expected, `the browser went to the portal URL (${expected}), not ${page.url()}`)
  expect(visited.includes(expected), 'the portal page was requested')
  await page.unrouteAll()
  log(`Manage billing went to stripe-mock's portal URL ${portalURL}`)
})
