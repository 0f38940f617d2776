// Journey: sign up → a new workspace lands in the wizard → WhatsApp with a
// wrong token (Meta's refusal shows on the field), then the right one →
// create the agent in the Agent Designer, which returns to the test step →
// send the test message (the Go side checks the fake Graph API received it)
// → the operator answers it from their own phone (the Go side plays the
// phone) → the wizard shows the message arriving and the agent's reply
// delivered → only then "Your AI employee is live!", with every step ticked.
import { expect, journey, need, uniqueEmail } from './lib/harness.mjs'

await journey('onboarding', async ({ page, shot, log }) => {
  await page.goto('/sign-up')
  await page.getByLabel('Your name').fill('Grace Hopper')
  await page.getByLabel('Work email').fill(uniqueEmail('grace-onboarding'))
  await page.getByLabel('Password').fill('correct horse battery staple')
  await page.getByLabel('Company').fill('Compilers Inc')
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByRole('heading', { name: 'Connect a channel' }).waitFor()
  expect(new URL(page.url()).pathname === '/onboarding', `sign-up lands in the wizard (${page.url()})`)
  log('signed up; the wizard is the first page')

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
  const step2 = page.getByRole('heading', { name: 'Configure your agent' })
  await step2.waitFor()
  await page.waitForURL((u) => u.searchParams.get('step') === '2')
  expect(await step2.evaluate((h) => h === document.activeElement), 'focus moved to the new step’s heading')
  expect(await page.getByRole('button', { name: 'Next' }).isDisabled(), 'Next waits for an active agent')
  log('WhatsApp connected; step 2 has the focus')
  await shot('step2-no-agent')

  await page.getByRole('link', { name: 'Create an agent' }).click()
  await page.getByRole('heading', { name: 'New agent' }).waitFor()
  await page.getByLabel('Name', { exact: true }).fill('Ada')
  await page.getByLabel('Persona', { exact: true }).fill('Warm, concise and precise.')
  await page.getByRole('button', { name: 'Create agent' }).click()
  await page.getByRole('heading', { name: 'Send a test message' }).waitFor()
  await page.waitForURL((u) => u.searchParams.get('step') === '3')
  const notLive = page.getByRole('region', { name: 'Not live yet' })
  await notLive.getByText('No test message has gone out yet.').waitFor()
  log('agent created; back on the test step, not live yet')

  // Step 2 shows the agent, whether its model can be called, and the preview.
  await page
    .getByRole('navigation', { name: 'Onboarding progress' })
    .getByRole('link', { name: /Configure Agent/ })
    .click()
  const agent = page.getByRole('region', { name: 'Active agent' })
  await agent.getByText('openai/gpt-4o-mini answers, with the platform’s key.').waitFor()
  const preview = page.getByRole('region', { name: 'Preview' })
  await preview.getByLabel('Message').fill('Hello')
  await preview.getByRole('button', { name: 'Send' }).click()
  await preview.getByText('You said: Hello').waitFor()
  log('step 2: the model can be called, and the preview answers')
  await shot('step2-agent')
  await page.getByRole('button', { name: 'Next' }).click()
  await page.getByRole('heading', { name: 'Send a test message' }).waitFor()

  const test = page.getByRole('region', { name: /^Test WhatsApp/ })
  await test.getByLabel('Recipient number').fill(need('E2E_WA_TO'))
  await test.getByRole('button', { name: 'Send Test Message' }).click()
  await test.getByText('Test message sent.').waitFor()
  const trip = page.getByRole('region', { name: /^Round trip on WhatsApp/ })
  await trip.waitFor()
  log('test message sent; waiting for the operator’s reply')

  // The Go side answers from the operator's phone; the agent replies.
  await trip.getByText('Hi, who are you?', { exact: true }).waitFor()
  await trip.getByText('You said: Hi, who are you?').waitFor()
  await trip.getByText(/Written by openai\/gpt-4o-mini/).waitFor()
  await page.getByText('Your AI employee is live!').waitFor()
  const states = await page
    .getByRole('navigation', { name: 'Onboarding progress' })
    .getByRole('listitem')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-state')))
  expect(JSON.stringify(states) === '["complete","complete","complete"]', `every step ticked once live: ${states}`)
  expect((await page.getByRole('button', { name: /Go Live|Skip/i }).count()) === 0, 'no Go Live or Skip button')
  log('the reply arrived and the agent’s answer was delivered: live')
  await shot('live')

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click()
  const live = page.getByRole('region', { name: 'Live status' })
  await live.getByText('Your AI employee is live').waitFor()
  await live.getByText(/Ada answers on WhatsApp/).waitFor()
  log('the dashboard says the same')
  await shot('dashboard-live')
})
