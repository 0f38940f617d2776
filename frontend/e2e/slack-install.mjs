// Journey: "Add to Slack" round trip through the fake Slack OAuth page back
// to onboarding step 2 with a toast and a clean URL; a failed return is
// explained; Settings → Channels shows the workspace, checks it, and keeps
// the answering agent.
import { expect, journey, signIn } from './lib/harness.mjs'

await journey('slack-install', async ({ page, shot, log }) => {
  await signIn(page)

  // What the callback sends the browser to when Slack did not finish.
  await page.goto('/onboarding?step=1&error=slack_auth_failed')
  await page.locator('[role=alert]', { hasText: 'Slack didn’t finish the installation' }).first().waitFor()
  await page.waitForURL((u) => !u.searchParams.has('error'))
  log('a failed Slack return is explained and removed from the URL')
  await shot('slack-failed')

  await page.getByRole('button', { name: 'Add to Slack' }).click()
  await page.getByText('Slack is connected').waitFor()
  await page.getByRole('heading', { name: 'Configure your agent' }).waitFor()
  await page.waitForURL((u) => u.pathname === '/onboarding' && u.search === '?step=2')
  const states = await page.getByRole('navigation', { name: 'Onboarding progress' }).getByRole('listitem').evaluateAll((els) => els.map((e) => e.getAttribute('data-state')))
  expect(JSON.stringify(states) === '["complete","active","pending"]', `stepper states ${states}`)
  log('back from the fake Slack OAuth: toast, step 2, clean URL')
  await shot('slack-connected')

  await page.goto('/settings/channels')
  const card = page.getByRole('listitem', { name: 'Slack · Analytical Engines' })
  await card.getByText('Active').first().waitFor()
  await card.getByText(/“Check now” diagnoses the rest/).waitFor()
  await card.getByRole('button', { name: /Check now/ }).click()
  await card.getByText(/Health:/).waitFor()
  await card.getByRole('list', { name: 'Health checks' }).waitFor()
  log('the channel is listed and its health checked')
  await shot('channels')

  await card.getByRole('button', { name: /Disconnect/ }).click()
  const confirm = page.getByRole('alertdialog', { name: /Disconnect Slack · Analytical Engines/ })
  await confirm.getByRole('button', { name: 'Disconnect' }).click()
  await card.getByText('Disconnected', { exact: true }).waitFor()
  log('disconnected after confirmation')
  // Reconnect so the Go side finds it active.
  await page.goto('/onboarding?step=1')
  await page.getByRole('button', { name: 'Add to Slack' }).click()
  await page.getByText('Slack is connected').waitFor()
  await page.waitForURL((u) => u.search === '?step=2')
})
