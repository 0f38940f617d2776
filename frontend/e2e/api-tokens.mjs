// Journey (b): sign in → create an API token → its secret is shown once and
// works → revoke it → it stops working; the audit log shows both.
import { expect, journey } from './lib/harness.mjs'

const email = process.env.E2E_EMAIL
const password = process.env.E2E_PASSWORD
if (!email || !password) throw new Error('E2E_EMAIL and E2E_PASSWORD are not set (the Go test creates the account)')

await journey('api-tokens', async ({ page, context, baseURL, shot, log }) => {
  const asToken = (/** @type {string} */ secret) => fetch(new URL('/api/portal/me', baseURL), { headers: { Authorization: `Bearer ${secret}` } })

  // A deep link while signed out goes through sign-in and comes back.
  await page.goto('/settings/api-tokens')
  await page.getByRole('heading', { name: 'Sign in' }).waitFor()
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Settings' }).waitFor()
  expect(new URL(page.url()).pathname === '/settings/api-tokens', `returned to the tokens page, not ${page.url()}`)
  await page.getByText('No API tokens').waitFor()
  log('signed in and back on the tokens page')
  await shot('tokens-empty')

  await page.getByRole('button', { name: 'New token' }).click()
  const dialog = page.getByRole('dialog', { name: 'New API token' })
  await dialog.getByLabel('Name').fill('CRM sync')
  await dialog.getByRole('combobox', { name: 'Role' }).selectOption('admin')
  await shot('token-create-form')
  await dialog.getByRole('button', { name: 'Create token' }).click()

  const secretDialog = page.getByRole('dialog', { name: 'Copy your token now' })
  const secret = (await secretDialog.getByTestId('token-secret').textContent())?.trim() ?? ''
  expect(/^kst_\S{16,}$/.test(secret), `a kst_ secret is shown (got ${JSON.stringify(secret.slice(0, 8))}…)`)
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(baseURL).origin })
  await secretDialog.getByRole('button', { name: 'Copy' }).click()
  await secretDialog.getByRole('button', { name: 'Copied' }).waitFor()
  expect((await page.evaluate(() => navigator.clipboard.readText())) === secret, 'the copy button put the secret on the clipboard')
  await shot('token-secret-once')

  const me = await asToken(secret)
  expect(me.status === 200, `the new token authenticates (got ${me.status})`)
  const body = /** @type {{ token?: { name?: string } }} */ (await me.json())
  expect(body.token?.name === 'CRM sync', 'the API knows the token by its name')
  log('secret shown once, copied, and accepted by the API')

  await secretDialog.getByRole('button', { name: /stored it/ }).click()
  const table = page.getByRole('table', { name: 'API tokens' })
  const row = table.getByRole('row').filter({ hasText: 'CRM sync' })
  await row.waitFor()
  await row.getByText('Admin').waitFor()
  expect(!(await page.content()).includes(secret), 'the secret is gone from the page once the dialog closes')
  const prefix = (await row.locator('code').textContent())?.replace('…', '') ?? ''
  expect(prefix.length > 0 && secret.startsWith(prefix), `the table shows the secret's prefix (${prefix})`)
  await shot('tokens-list')

  await row.getByRole('button', { name: 'Revoke CRM sync' }).click()
  const confirm = page.getByRole('alertdialog', { name: 'Revoke CRM sync?' })
  await confirm.getByRole('button', { name: 'Revoke token' }).click()
  await row.getByText('Revoked').waitFor()
  await shot('token-revoked')
  const after = await asToken(secret)
  expect(after.status === 401, `a revoked token gets 401 (got ${after.status})`)
  log('revoked; the API now refuses the token')

  await page.goto('/audit?action=api_token.')
  const events = page.getByRole('table', { name: 'Audit events' })
  await events.getByText('api_token.revoked').waitFor()
  await events.getByText('api_token.created').waitFor()
  expect((await events.getByRole('row').count()) === 3, 'the filter shows exactly the two token events (plus the header row)')
  log('the audit log, filtered by the URL, shows both token events')
  await shot('audit-filtered')
})
