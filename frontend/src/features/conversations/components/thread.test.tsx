import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { json, mockFetch, renderWithQuery } from '@/testing/render'
import { Thread } from './thread'

const tenantId = '7d6b7f5e-1e43-4c43-9c55-8cc5c0f3a001'
const conversationId = '0a8e5a4b-1f77-4c7e-9a53-52b0f0f4a6d1'
const msg = (id: string, role: string, body: string, extra: object = {}) => ({
  id,
  role,
  body,
  kind: 'text',
  attachments: [],
  author_id: '',
  delivery_state: 'delivered',
  created_at: '2026-11-22T07:58:00Z',
  ...extra,
})

describe('Thread', () => {
  it('shows messages oldest first, describes attachments, names operators and loads older pages', async () => {
    const { requests } = mockFetch(
      json(200, {
        items: [
          msg('m4', 'human', 'I have refunded it.', { author_id: 'u1' }),
          msg('m3', 'assistant', 'A colleague will help.'),
          msg('m2', 'user', '', { kind: 'image', attachments: [{ kind: 'image', mime_type: 'image/png', caption: 'the receipt' }] }),
        ],
        next_cursor: 'older',
      }),
      json(200, { items: [msg('m1', 'user', 'Hi, I was charged twice')], next_cursor: null }),
    )
    const user = userEvent.setup()
    renderWithQuery(<Thread tenantId={tenantId} conversationId={conversationId} authorName={(id) => (id === 'u1' ? 'Grace Hopper' : undefined)} />)
    const list = await screen.findByRole('list', { name: 'Messages' })
    const roles = () => within(list).getAllByRole('listitem').filter((li) => li.dataset.role).map((li) => li.dataset.role)
    expect(roles()).toEqual(['user', 'assistant', 'human'])
    expect(list).toHaveTextContent('An image (image/png): the receipt')
    expect(list).toHaveTextContent('Operator · Grace Hopper')

    await user.click(screen.getByRole('button', { name: 'Load older messages' }))
    expect(await within(list).findByText('Hi, I was charged twice')).toBeInTheDocument()
    expect(roles()).toEqual(['user', 'user', 'assistant', 'human'])
    expect(screen.queryByRole('button', { name: 'Load older messages' })).toBeNull()
    expect(requests[1]?.url).toContain('cursor=older')
  })
})
