// Journey: conversations that came in through signed WhatsApp webhooks and
// got real replies (the Go side sends them) → the dashboard links to the
// escalated one → filters in the URL → the thread → reply as a human (the Go
// side checks it reached the fake Graph API) → release the hand-over.
import { expect, journey, need, signIn } from './lib/harness.mjs'

await journey('conversations', async ({ page, shot, log }) => {
  const unhappy = need('E2E_UNHAPPY')
  await signIn(page)
  const attention = page.getByRole('region', { name: 'Needs your attention' })
  await attention.getByText('1 conversation handed over to a person').waitFor()
  await shot('dashboard')
  await attention.getByRole('link', { name: 'Answer them' }).click()
  await page.getByRole('heading', { name: 'Conversations' }).waitFor()
  await page.waitForURL((u) => u.pathname === '/conversations' && u.searchParams.get('status') === 'escalated')
  const list = page.getByRole('list', { name: 'Conversations' })
  await list.getByText('Handed to a person').waitFor()
  expect((await list.getByRole('listitem').count()) === 1, 'one escalated conversation')
  log('dashboard → escalated conversations')
  await shot('escalated')

  await page.getByRole('combobox', { name: 'Status' }).selectOption({ label: 'Any status' })
  await page.waitForURL((u) => !u.searchParams.has('status'))
  // The answered conversation says so, with its last message; people are named.
  await list.getByText('Answered', { exact: true }).waitFor()
  await list.getByText('Agent: You said: Hi there, when do you open?').waitFor()
  await list.getByText('Chat User').first().waitFor()
  expect((await list.getByRole('listitem').count()) === 2, 'two conversations in all')
  await page.getByRole('combobox', { name: 'Channel' }).selectOption({ label: 'Slack' })
  await page.getByText('No conversations match these filters').waitFor()
  expect(new URL(page.url()).searchParams.get('channel') === 'slack', 'the channel filter is in the URL')
  log('filters follow the URL; empty state for Slack')
  await shot('filtered-empty')

  // The conversation the agent answers shows its real reply, oldest first.
  await page.goto('/conversations?status=active')
  await list.getByRole('link').first().click()
  const thread = page.getByRole('list', { name: 'Messages' })
  await thread.getByText('You said: Hi there, when do you open?').waitFor()
  const roles = await thread.locator('li').evaluateAll((els) => els.map((e) => e.getAttribute('data-role')))
  expect(roles[0] === 'user' && roles[1] === 'assistant', `oldest first: ${roles}`)
  expect((await page.getByLabel('Your reply').count()) === 0, 'no reply box while the agent answers')
  await shot('thread')

  await page.goto('/conversations?status=escalated')
  await list.getByRole('link').first().click()
  await thread.getByText('I want a refund for order 42').waitFor()
  await page.getByText('Handed over to a person').first().waitFor()
  expect((await page.content()).includes(unhappy), 'the chat user’s number is shown')
  const reply = 'Hi, this is Grace from the team. I have refunded order 42.'
  await page.getByLabel('Your reply').fill(reply)
  await page.getByRole('button', { name: 'Send reply' }).click()
  await page.getByText('Reply sent').waitFor()
  await thread.locator('li[data-role="human"]', { hasText: reply }).waitFor()
  log('answered as a human')
  await shot('human-reply')

  await page.getByRole('button', { name: 'Release to agent' }).click()
  await page.getByText('Handed back to the agent').waitFor()
  await page.getByText('Answered by your team').first().waitFor()
  expect((await page.getByLabel('Your reply').count()) === 0, 'no reply box once released')
  log('hand-over released')
  await shot('released')

})
