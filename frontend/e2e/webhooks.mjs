// Journey: sign in → Settings → Webhooks → add an endpoint with the event
// picker → the whsec_ secret is shown once → send a test event → the delivery
// log shows it delivered, with its attempt and payload → send it again.
import { expect, journey, need, signIn } from './lib/harness.mjs'

const receiver = need('E2E_WEBHOOK_URL')

await journey('webhooks', async ({ page, shot, log }) => {
  await signIn(page)
  await page.goto('/settings/webhooks')
  await page.getByText('No webhook endpoints').waitFor()
  await shot('webhooks-empty')

  await page.getByRole('button', { name: 'Add endpoint' }).click()
  const dialog = page.getByRole('dialog', { name: 'Add a webhook endpoint' })
  await dialog.getByLabel('Endpoint URL').fill(receiver)
  await dialog.getByLabel('Description').fill('CRM sync')
  await dialog.getByLabel('Every event, including types added later').uncheck()
  await dialog.getByRole('button', { name: 'Add endpoint' }).click()
  await dialog.getByText('Pick at least one event, or all of them').waitFor()
  await dialog.getByRole('checkbox', { name: /message\.received/ }).check()
  await dialog.getByRole('checkbox', { name: /reply\.delivered/ }).check()
  await shot('webhooks-event-picker')
  await dialog.getByRole('button', { name: 'Add endpoint' }).click()

  const secretDialog = page.getByRole('dialog', { name: 'Copy the signing secret now' })
  const secret = (await secretDialog.getByTestId('webhook-secret').textContent())?.trim() ?? ''
  expect(/^whsec_[A-Za-z0-9+/]{43}=$/.test(secret), `a whsec_ secret is shown (got ${JSON.stringify(secret.slice(0, 8))}…)`)
  await shot('webhooks-secret-once')
  await secretDialog.getByRole('button', { name: /stored it/ }).click()
  expect(!(await page.content()).includes(secret), 'the secret is gone from the page once the dialog closes')

  const card = page.getByRole('listitem', { name: receiver })
  await card.getByText('message.received, reply.delivered').waitFor()
  await card.getByText(`whsec_…${secret.slice(-4)}`).waitFor()
  log('endpoint added; its secret was shown once')

  await card.getByRole('button', { name: 'Send test' }).click()
  const deliveries = page.getByRole('table', { name: 'Deliveries' })
  const row = deliveries.getByRole('row').filter({ hasText: 'webhook.test' })
  // The log refreshes when the test is queued; reload until it is delivered.
  for (let i = 0; i < 40 && !(await row.getByText('Delivered').isVisible().catch(() => false)); i++) {
    await page.waitForTimeout(250)
    await page.reload()
    await deliveries.waitFor()
  }
  await row.getByText('Delivered').waitFor()
  await shot('webhooks-log')

  await row.getByRole('button', { name: 'Details of webhook.test' }).click()
  const detail = page.getByRole('dialog', { name: 'Delivery' })
  await detail.getByText('HTTP 200').waitFor()
  await detail.getByText('"message": "A test event from Konstruct. Your endpoint received it."').waitFor()
  await shot('webhooks-delivery-detail')
  await detail.getByRole('button', { name: 'Send again' }).click()
  await page.getByText('Queued again').waitFor()
  log('test delivered, inspected and sent again')
})
