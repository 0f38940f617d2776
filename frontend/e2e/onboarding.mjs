// Journey: sign up → the dashboard sends a new workspace to onboarding →
// WhatsApp with a wrong token (Meta's refusal shows on the field), then the
// right one → create the agent in the Agent Designer, which returns to the
// test step → send the test message (the Go side checks the fake Graph API
// received it) → "Your AI employee is live!".
import { expect, journey, need, uniqueEmail } from './lib/harness.mjs'

await journey('onboarding', async ({ page, shot, log }) => {
  await page.goto('/sign-up')
  await page.getByLabel('Your name').fill('Grace Hopper')
  await page.getByLabel('Work email').fill(uniqueEmail('grace-onboarding'))
  await page.getByLabel('Password').fill('correct horse battery staple')
  await page.getByLabel('Company').fill('Compilers Inc')
  await page.getByRole('button', { name: 'Create account' }).click()
  const attention = page.getByRole('region', { name: 'Needs your attention' })
  await attention.getByText('No channel connected').waitFor()
  await attention.getByRole('link', { name: 'Get started' }).click()
  await page.getByRole('heading', { name: 'Connect a channel' }).waitFor()
  expect(new URL(page.url()).searchParams.get('step') === null || new URL(page.url()).searchParams.get('step') === '1', `step 1 (${page.url()})`)

  // The URL cannot skip ahead.
  await page.goto('/onboarding?step=3')
  await page.getByRole('heading', { name: 'Connect a channel' }).waitFor()
  await page.waitForURL((u) => u.searchParams.get('step') === '1')
  expect(await page.getByRole('button', { name: 'Next' }).isDisabled(), 'Next waits for a channel')
  log('?step=3 without a channel shows step 1')
  await shot('step1')

  await page.getByRole('button', { name: /Connect WhatsApp/ }).click()
  const form = page.getByRole('form', { name: 'Connect WhatsApp' })
  await form.getByLabel('Phone Number ID').fill(need('E2E_WA_PHONE_ID'))
  await form.getByLabel('WhatsApp Business Account ID').fill(need('E2E_WA_WABA_ID'))
  await form.getByLabel('System User Token').fill('EAAG-not-the-right-token-0000')
  await form.getByRole('button', { name: 'Connect number' }).click()
  await form.getByText(/Meta rejected the token/).waitFor()
  const token = form.getByLabel('System User Token')
  expect((await token.getAttribute('aria-invalid')) === 'true', 'the token field is marked invalid')
  log('a wrong token shows Meta’s refusal on the token field')
  await shot('whatsapp-wrong-token')

  await token.fill(need('E2E_WA_TOKEN'))
  await form.getByRole('button', { name: 'Connect number' }).click()
  await page.getByRole('heading', { name: 'Configure your agent' }).waitFor()
  await page.waitForURL((u) => u.searchParams.get('step') === '2')
  expect(await page.getByRole('button', { name: 'Next' }).isDisabled(), 'Next waits for an active agent')
  log('WhatsApp connected; step 2')
  await shot('step2-no-agent')

  await page.getByRole('link', { name: 'Create an agent' }).click()
  await page.getByRole('heading', { name: 'New agent' }).waitFor()
  await page.getByLabel('Name', { exact: true }).fill('Ada')
  await page.getByLabel('Persona', { exact: true }).fill('Warm, concise and precise.')
  await page.getByRole('button', { name: 'Create agent' }).click()
  await page.getByRole('heading', { name: 'Send a test message' }).waitFor()
  await page.waitForURL((u) => u.searchParams.get('step') === '3')
  log('agent created; back on the test step')

  const test = page.getByRole('region', { name: /^Test WhatsApp/ })
  await test.getByLabel('Recipient number').fill(need('E2E_WA_TO'))
  await test.getByRole('button', { name: 'Send Test Message' }).click()
  await test.getByText('Test message sent.').waitFor()
  await page.getByText('Your AI employee is live!').waitFor()
  const states = await page.getByRole('navigation', { name: 'Onboarding progress' }).getByRole('listitem').evaluateAll((els) => els.map((e) => e.getAttribute('data-state')))
  expect(JSON.stringify(states) === '["complete","complete","active"]', `stepper states ${states}`)
  expect((await page.getByRole('button', { name: /Go Live|Skip/i }).count()) === 0, 'no Go Live or Skip button')
  log('test message sent; the agent is live')
  await shot('live')
})
