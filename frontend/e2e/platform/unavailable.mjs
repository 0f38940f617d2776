// Journey (TestPlatformJourneys/NothingToConnect): a platform without the Meta
// app secret and without a Slack app. The wizard shows both channels as
// unavailable, each with one sentence of why and no button that would fail,
// and the dashboard says nothing can be connected here.
import { expect, journey, signIn } from '../lib/harness.mjs'

await journey('unavailable', async ({ page, shot, log }) => {
  await signIn(page)
  const live = page.getByRole('region', { name: 'Live status' })
  await live.getByText(/No channel can be connected on this Konstruct installation/).waitFor()
  await shot('dashboard-nothing-to-connect')

  await page.goto('/onboarding')
  await page.getByRole('heading', { name: 'Connect a channel' }).waitFor()
  await page
    .getByRole('region', { name: 'Slack' })
    .getByText(/Slack isn’t set up on this Konstruct installation/)
    .waitFor()
  await page
    .getByRole('region', { name: 'WhatsApp' })
    .getByText(/WhatsApp messages can’t reach this Konstruct installation/)
    .waitFor()
  expect((await page.getByRole('button', { name: 'Add to Slack' }).count()) === 0, 'no Add to Slack button')
  expect((await page.getByRole('button', { name: /Connect WhatsApp/ }).count()) === 0, 'no Connect WhatsApp button')
  log('Slack and WhatsApp are shown unavailable, each with why')
  await shot('channels-unavailable')
})
