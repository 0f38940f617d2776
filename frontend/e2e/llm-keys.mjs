// Journey: Settings → LLM API keys: a key the provider refuses shows its
// error; a verified key is added (only its last four shown) → pinned in the
// Agent Designer → the preview pane runs the agent on it twice, keeping the
// conversation → an HTTP tool with a secret header and a memory limit are
// saved; the secret comes back masked, survives an edit, and the preview's
// tool call carries it (the Go side checks) → the key is deleted.
import { expect, journey, need, signIn } from './lib/harness.mjs'

await journey('llm-keys', async ({ page, shot, log }) => {
  const good = need('E2E_GOOD_KEY')
  await signIn(page)
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'LLM API keys' }).click()
  await page.getByText('No API keys yet').waitFor()

  await page.getByRole('button', { name: 'Add API Key' }).click()
  const dialog = page.getByRole('dialog', { name: 'Add API Key' })
  await dialog.getByLabel('Label').fill('Production OpenAI')
  await dialog.getByLabel('API key').fill(need('E2E_BAD_KEY'))
  expect(await dialog.getByLabel('Verify with the provider').isChecked(), 'verification is on by default')
  await dialog.getByRole('button', { name: 'Add key' }).click()
  await dialog.getByText(/rejected this key/).waitFor()
  log('the refused key shows the provider’s error')
  await shot('key-refused')

  await dialog.getByLabel('API key').fill(good)
  await dialog.getByRole('button', { name: 'Add key' }).click()
  await dialog.waitFor({ state: 'hidden' })
  const table = page.getByRole('table', { name: 'LLM API keys' })
  const row = table.getByRole('row').filter({ hasText: 'Production OpenAI' })
  await row.getByText(`…${good.slice(-4)}`).waitFor()
  await row.getByText('Active').waitFor()
  expect(!(await page.content()).includes(good), 'the key itself is never on the page')
  log('verified key added')
  await shot('keys')

  await page.goto(`/agents/${need('E2E_AGENT_ID')}`)
  await page.getByRole('heading', { name: 'Ada', exact: true }).waitFor()
  const pin = page.getByRole('combobox', { name: 'OpenAI key' })
  await pin.selectOption({ label: `Production OpenAI (…${good.slice(-4)})` })
  await page.getByRole('button', { name: 'Save changes' }).click()
  await page.getByText('Changes saved').waitFor()
  log('key pinned for OpenAI')

  const preview = page.getByRole('region', { name: 'Preview' })
  await preview.getByLabel('Message').fill('Hello there')
  await preview.getByRole('button', { name: 'Send' }).click()
  await preview.getByText('You said: Hello there').waitFor()
  await preview.getByLabel('Message').fill('And again')
  await preview.getByLabel('Message').press('Enter')
  await preview.getByText('You said: And again').waitFor()
  const thread = preview.getByRole('list', { name: 'Preview conversation' })
  expect((await thread.getByRole('listitem').count()) === 4, 'the preview keeps the conversation')
  expect((await thread.getByText('yours').count()) === 2, 'both turns used the tenant’s key')
  log('preview answered twice on the pinned key')
  await shot('preview')

  // An HTTP tool with a secret header, and a memory limit.
  const secret = need('E2E_TOOL_SECRET')
  await page.getByRole('checkbox', { name: /HTTP request/ }).check()
  await page.getByRole('button', { name: 'Add HTTP tool' }).click()
  const tool = page.getByRole('region', { name: 'HTTP tool 1' })
  await tool.getByLabel('Tool name').fill('get_parcel')
  await tool.getByLabel('URL').fill(`${need('E2E_TOOL_URL')}/parcels/{parcel_id}`)
  await tool.getByLabel('When to call it').fill('Looks up a parcel')
  await tool
    .getByLabel('Arguments (JSON Schema)')
    .fill('{"type":"object","properties":{"parcel_id":{"type":"string"}},"required":["parcel_id"]}')
  await tool.getByRole('button', { name: 'Add secret header' }).click()
  await tool.getByLabel('Secret headers 1 name, tool 1').fill('Authorization')
  await tool.getByLabel('Secret headers 1 value, tool 1').fill(secret)
  await page.getByLabel('Remember messages for (days)').fill('30')
  // Wait for this save's own answer: an earlier "Changes saved" toast may
  // still be on screen, and reloading before the save lands loses the tool.
  const saved = page.waitForResponse(
    (r) => r.request().method() === 'PATCH' && /\/agents\/[^/]+$/.test(new URL(r.url()).pathname) && r.ok(),
  )
  await page.getByRole('button', { name: 'Save changes' }).click()
  await saved
  log('HTTP tool with a secret header saved')

  await page.reload()
  await page.getByRole('heading', { name: 'Ada', exact: true }).waitFor()
  const value = page.getByLabel('Secret headers 1 value, tool 1')
  expect((await value.inputValue()) === '', 'the secret is not in the form')
  expect(((await value.getAttribute('placeholder')) ?? '').startsWith(`••••${secret.slice(-4)}`), 'the secret shows masked')
  expect(!(await page.content()).includes(secret.slice(7)), 'the secret is nowhere on the page')
  expect((await page.getByLabel('Remember messages for (days)').inputValue()) === '30', 'memory limit saved')
  await page.getByLabel('When to call it').fill('Looks up a parcel by its id')
  await page.getByRole('button', { name: 'Save changes' }).click()
  await page.getByText('Changes saved').first().waitFor()
  await shot('http-tool')

  await preview.getByLabel('Message').fill('What is the status of parcel 77?')
  await preview.getByRole('button', { name: 'Send' }).click()
  await preview.getByText('Parcel 77 is out for delivery.').waitFor()
  await preview.getByRole('list', { name: 'Tool calls' }).getByText('get_parcel').waitFor()
  log('the preview called the HTTP tool')
  await shot('preview-tool')

  await page.goto('/settings/api-keys')
  await page.getByRole('button', { name: 'Delete Production OpenAI' }).click()
  const confirm = page.getByRole('alertdialog', { name: 'Delete Production OpenAI?' })
  await confirm.getByRole('button', { name: 'Delete key' }).click()
  await page.getByText('No API keys yet').waitFor()
  log('key deleted')
  await shot('keys-empty')
})
