// Journey: every page of the portal, with data, screenshotted at 1280 and
// 390 px; each screenshot is an axe-core check (no serious or critical
// violation) and an overflow check (harness). Also keyboard basics: the skip
// link reaches the content, and after navigating, focus is on the page's
// heading rather than back at the top of the sidebar.
import { expect, journey, need } from './lib/harness.mjs'

await journey('pages', async ({ page, shot, log }) => {
  // Signed out.
  await page.goto('/sign-in?redirect=%2Fusage')
  await page.getByRole('heading', { name: 'Sign in' }).waitFor()
  await shot('sign-in')
  // The page to return to survives a detour through sign-up and back.
  await page.getByRole('link', { name: 'Create an account' }).click()
  await page.getByRole('heading', { name: 'Create your account' }).waitFor()
  expect(new URL(page.url()).searchParams.get('redirect') === '/usage', `sign-up keeps the redirect (${page.url()})`)
  await shot('sign-up')
  await page.getByRole('link', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Sign in' }).waitFor()
  expect(new URL(page.url()).searchParams.get('redirect') === '/usage', `and back to sign-in (${page.url()})`)

  // Someone without a workspace.
  await page.getByLabel('Email').fill(need('E2E_LONER_EMAIL'))
  await page.getByLabel('Password').fill(need('E2E_LONER_PASSWORD'))
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: /^Welcome/ }).waitFor()
  await shot('welcome')
  await page.context().clearCookies()

  await page.goto('/sign-in?redirect=%2Fusage')
  await page.getByLabel('Email').fill(need('E2E_EMAIL'))
  await page.getByLabel('Password').fill(need('E2E_PASSWORD'))
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Usage', exact: true }).waitFor()
  expect(await page.getByRole('heading', { name: 'Usage', exact: true }).evaluate((h) => h === document.activeElement), 'after sign-in, focus is on the page heading')
  log('sign-in returned to the page asked for, with focus on its heading')

  // Keyboard: the first Tab reaches the skip link, which jumps past the sidebar.
  await page.goto('/')
  await page.getByRole('heading', { name: /^Hello/ }).waitFor()
  await page.keyboard.press('Tab')
  const skip = page.getByRole('link', { name: 'Skip to content' })
  expect(await skip.evaluate((a) => a === document.activeElement), 'the first Tab lands on the skip link')
  await page.keyboard.press('Enter')
  expect(await page.evaluate(() => document.activeElement?.id === 'main'), 'the skip link moves focus to the content')
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Agents' }).click()
  const agentsHeading = page.getByRole('heading', { name: 'Agents', exact: true })
  await agentsHeading.waitFor()
  await page.waitForFunction(() => document.activeElement?.tagName === 'H1')
  log('skip link and focus on the heading after navigation')

  const pages = [
    ['dashboard', '/', () => page.getByRole('region', { name: 'Live status' }).waitFor()],
    ['onboarding', '/onboarding', () => page.getByRole('heading', { name: 'Send a test message' }).waitFor()],
    ['agents', '/agents', () => page.getByRole('list', { name: 'Agents' }).waitFor()],
    ['agent-new', '/agents/new', () => page.getByRole('heading', { name: 'New agent', exact: true }).waitFor()],
    ['agent', `/agents/${need('E2E_AGENT_ID')}`, () => page.getByRole('heading', { name: 'Ada', exact: true }).waitFor()],
    ['knowledge', '/knowledge', () => page.getByText('No knowledge yet').waitFor()],
    ['knowledge-tester', '/knowledge/tester', () => page.getByRole('form', { name: 'Retrieval tester' }).waitFor()],
    ['knowledge-gaps', '/knowledge/gaps', () => page.getByText('No unanswered questions').waitFor()],
    ['conversations', '/conversations', () => page.getByRole('list', { name: 'Conversations' }).waitFor()],
    ['conversation', `/conversations/${need('E2E_CONVERSATION_ID')}`, () => page.getByRole('list', { name: 'Messages' }).waitFor()],
    ['usage', '/usage', () => page.getByRole('heading', { name: 'Usage', exact: true }).waitFor()],
    ['billing', '/billing', () => page.getByRole('heading', { name: 'Billing', exact: true }).waitFor()],
    ['audit', '/audit', () => page.getByRole('table', { name: 'Audit events' }).waitFor()],
    ['settings-general', '/settings/general', () => page.getByLabel('Workspace name').waitFor()],
    ['settings-members', '/settings/members', () => page.getByRole('table', { name: 'Members' }).waitFor()],
    ['settings-channels', '/settings/channels', () => page.getByRole('list', { name: 'Connections' }).waitFor()],
    ['settings-api-keys', '/settings/api-keys', () => page.getByRole('table', { name: 'LLM API keys' }).waitFor()],
    ['settings-api-tokens', '/settings/api-tokens', () => page.getByRole('table', { name: 'API tokens' }).waitFor()],
    ['not-found', '/no-such-page', () => page.getByRole('heading', { name: 'Page not found' }).waitFor()],
  ]
  for (const [name, path, ready] of /** @type {Array<[string, string, () => Promise<void>]>} */ (pages)) {
    await page.goto(path)
    await ready()
    await shot(name)
  }

  // The phone menu (a drawer) is a page of its own to check.
  await page.goto('/')
  await page.setViewportSize({ width: 390, height: 844 })
  await page.getByRole('button', { name: 'Open menu' }).click()
  await page.getByRole('dialog', { name: 'Menu' }).waitFor()
  await page.getByRole('button', { name: 'Close menu' }).click()
  await page.setViewportSize({ width: 1280, height: 800 })
  log('every page checked at both widths')
})
