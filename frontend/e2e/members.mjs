// Journey (d): Settings → Members: invite someone by email with a role (the
// link to pass on is shown when the platform sends no email), change the
// role, withdraw the invitation; the workspace's name can be changed in
// Settings → General and the switcher follows.
import { expect, journey, uniqueEmail } from './lib/harness.mjs'

const email = process.env.E2E_EMAIL
const password = process.env.E2E_PASSWORD
if (!email || !password) throw new Error('E2E_EMAIL and E2E_PASSWORD are not set (the Go test creates the account)')

await journey('members', async ({ page, shot, log }) => {
  await page.goto('/sign-in')
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: /^Hello/ }).waitFor()

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
  await page.getByRole('heading', { name: 'Settings' }).waitFor()
  expect(new URL(page.url()).pathname === '/settings/general', `settings opens on General (${page.url()})`)
  await page.getByLabel('Workspace name').fill('Analytical Engines Ltd')
  await page.getByLabel('Monthly budget (USD)').fill('250')
  await page.getByRole('button', { name: 'Save changes' }).click()
  await page.getByText('Workspace saved').waitFor()
  await page.getByRole('combobox', { name: 'Workspace' }).getByRole('option', { name: /Analytical Engines Ltd/, selected: true }).waitFor({ state: 'attached' })
  log('workspace renamed and budget set; the switcher shows the new name')
  await shot('general')

  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Members' }).click()
  const table = page.getByRole('table', { name: 'Members' })
  await table.getByText('(you)').waitFor()
  const invitee = uniqueEmail('babbage')
  await page.getByRole('button', { name: 'Add member' }).click()
  const dialog = page.getByRole('dialog', { name: 'Add a member' })
  await dialog.getByLabel('Email').fill('not-an-email')
  await dialog.getByRole('button', { name: 'Add member' }).click()
  await dialog.getByText('Enter a valid email address').waitFor()
  await dialog.getByLabel('Email').fill(invitee)
  await dialog.getByRole('combobox', { name: 'Role' }).selectOption('admin')
  await shot('add-member')
  await dialog.getByRole('button', { name: 'Add member' }).click()
  // No mail server in the test: the dialog hands over the link to pass on.
  const link = dialog.getByLabel(`Invitation link for ${invitee}`)
  await link.waitFor()
  expect((await link.inputValue()).includes('/invitations/accept?token=inv_'), 'the invitation link is shown')
  await shot('invitation-link')
  await dialog.getByRole('button', { name: 'Done' }).click()
  const row = table.getByRole('row').filter({ hasText: invitee })
  await row.getByText('Invited').waitFor()
  await row.getByRole('button', { name: 'Copy invite link' }).waitFor()
  log('invited a new person as admin; the link is shown to copy')

  await row.getByRole('combobox', { name: `Role of ${invitee}` }).selectOption('member')
  await page.getByText('Role changed').waitFor()
  await page.waitForFunction(
    (name) => /** @type {HTMLSelectElement | null} */ (document.querySelector(`select[aria-label="${name}"]`))?.value === 'member',
    `Role of ${invitee}`,
  )
  log('changed the invitation to the member role')
  await shot('members')

  await row.getByRole('button', { name: `Withdraw ${invitee}` }).click()
  await page.getByRole('alertdialog').getByRole('button', { name: 'Withdraw invitation' }).click()
  await row.waitFor({ state: 'detached' })
  log('withdrew the invitation')

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click()
  await page.getByText('$250.00').waitFor()
  const attention = page.getByRole('region', { name: 'Needs your attention' })
  expect((await attention.getByText('No monthly budget set').count()) === 0, 'the budget warning is gone once a budget is set')
  await shot('dashboard-with-budget')

  // A second workspace from the switcher; the portal moves into it, and back.
  await page.getByRole('button', { name: 'New workspace' }).click()
  const create = page.getByRole('dialog', { name: 'New workspace' })
  await create.getByLabel('Workspace name').fill('Difference Engines')
  await create.getByRole('button', { name: 'Create workspace' }).click()
  await page.getByText('Here’s what’s going on in Difference Engines.').waitFor()
  await page.getByRole('region', { name: 'Needs your attention' }).getByText('No monthly budget set').waitFor()
  await shot('second-workspace')
  await page.getByRole('combobox', { name: 'Workspace' }).selectOption({ label: 'Analytical Engines Ltd' })
  await page.getByText('Here’s what’s going on in Analytical Engines Ltd.').waitFor()
  await page.reload()
  await page.getByText('Here’s what’s going on in Analytical Engines Ltd.').waitFor()
  log('created a second workspace, switched back, and the choice survives a reload')
})
