// Journey (TestPlatformJourneys/NoLLMKey): a platform with no LLM key and no
// Slack app. Slack is shown unavailable with its reason; WhatsApp connects;
// the agent's model cannot be called and the wizard says so, pointing to
// adding a key; the operator's reply to the test arrives but the agent
// cannot answer, so the wizard does not say live. After "Add an OpenAI key",
// the operator's next reply is answered by the model and the wizard says live.
import { expect, journey, need, uniqueEmail } from '../lib/harness.mjs'

await journey('no-llm-key', async ({ page, shot, log }) => {
  await page.goto('/sign-up')
  await page.getByLabel('Your name').fill('Ada Lovelace')
  await page.getByLabel('Work email').fill(uniqueEmail('ada-nokey'))
  await page.getByLabel('Password').fill('correct horse battery staple')
  await page.getByLabel('Company').fill('Lovelace Ltd')
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByRole('heading', { name: 'Connect a channel' }).waitFor()

  const slack = page.getByRole('region', { name: 'Slack' })
  await slack.getByText(/Slack isn’t set up on this Konstruct installation/).waitFor()
  expect((await page.getByRole('button', { name: 'Add to Slack' }).count()) === 0, 'no Add to Slack button that would fail')
  log('Slack is shown unavailable, with why')
  await shot('slack-unavailable')

  await page.getByRole('button', { name: /Connect WhatsApp/ }).click()
  const form = page.getByRole('form', { name: 'Connect WhatsApp' })
  await form.getByLabel('Phone Number ID').fill(need('E2E_WA_PHONE_ID'))
  await form.getByLabel('WhatsApp Business Account ID').fill(need('E2E_WA_WABA_ID'))
  await form.getByLabel('System User Token').fill(need('E2E_WA_TOKEN'))
  await form.getByRole('button', { name: 'Connect number' }).click()
  await page.getByRole('heading', { name: 'Configure your agent' }).waitFor()

  await page.getByRole('link', { name: 'Create an agent' }).click()
  await page.getByRole('heading', { name: 'New agent' }).waitFor()
  // The picker marks what no key can call.
  await page
    .getByText(/No OpenAI key: neither this workspace nor the platform has one/)
    .first()
    .waitFor()
  await page.getByLabel('Name', { exact: true }).fill('Ada')
  await shot('model-picker-no-key')
  await page.getByRole('button', { name: 'Create agent' }).click()
  await page.getByRole('heading', { name: 'Send a test message' }).waitFor()
  const notLive = page.getByRole('region', { name: 'Not live yet' })
  const model = notLive.locator('[data-check="model_callable"]')
  await model.getByText(/No OpenAI key/).waitFor()
  await model.getByRole('link', { name: 'Add an OpenAI key' }).waitFor()
  log('the wizard names the missing key and how to add it')

  const test = page.getByRole('region', { name: /^Test WhatsApp/ })
  await test.getByLabel('Recipient number').fill(need('E2E_WA_TO'))
  await test.getByRole('button', { name: 'Send Test Message' }).click()
  await test.getByText('Test message sent.').waitFor()
  const trip = page.getByRole('region', { name: /^Round trip on WhatsApp/ })
  await trip.getByText('Hello from my phone', { exact: true }).waitFor()
  await trip.getByText(/No OpenAI key can call openai\/gpt-4o-mini/).waitFor()
  expect((await page.getByText('Your AI employee is live!').count()) === 0, 'not live: the agent could not answer')
  log('the reply arrived, the agent could not answer, and the wizard does not say live')
  await shot('not-live-no-key')

  await model.getByRole('link', { name: 'Add an OpenAI key' }).click()
  const dialog = page.getByRole('dialog', { name: 'Add API Key' })
  await dialog.waitFor()
  expect((await dialog.getByRole('combobox', { name: 'Provider' }).inputValue()) === 'openai', 'the dialog opens for OpenAI')
  await dialog.getByLabel('Label').fill('Our OpenAI key')
  await dialog.getByLabel('API key').fill(need('E2E_TENANT_KEY'))
  await shot('add-key')
  await dialog.getByRole('button', { name: 'Add key' }).click()
  await dialog.waitFor({ state: 'hidden' })
  log('an OpenAI key was added (verified with the provider)')

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Get started' }).click()
  await page.getByRole('heading', { name: 'Send a test message' }).waitFor()
  // The operator writes again from their phone (the Go side); the model answers.
  await trip.getByText('Are you there now?').first().waitFor()
  await page.getByText('Your AI employee is live!').waitFor()
  await trip.getByText(/Written by openai\/gpt-4o-mini/).waitFor()
  log('with the key, the next reply was answered: live')
  await shot('live-after-key')
})
