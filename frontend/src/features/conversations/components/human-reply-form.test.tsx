import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { json, mockFetch, problem, renderWithQuery } from '@/testing/render'
import { HumanReplyForm } from './human-reply-form'

const tenantId = '7d6b7f5e-1e43-4c43-9c55-8cc5c0f3a001'
const conversationId = '0a8e5a4b-1f77-4c7e-9a53-52b0f0f4a6d1'

describe('HumanReplyForm', () => {
  it('needs text, then sends it and clears the box', async () => {
    const { requests } = mockFetch(json(201, { id: 'm1', role: 'human', body: 'Refunded.' }))
    const user = userEvent.setup()
    renderWithQuery(<HumanReplyForm tenantId={tenantId} conversationId={conversationId} />)
    await user.click(screen.getByRole('button', { name: /Send reply/ }))
    expect(await screen.findByText('Write a reply')).toBeInTheDocument()
    expect(requests).toHaveLength(0)

    await user.type(screen.getByLabelText('Your reply'), 'Refunded.')
    await user.click(screen.getByRole('button', { name: /Send reply/ }))
    expect(await screen.findByText('Reply sent')).toBeInTheDocument()
    expect(requests[0]).toMatchObject({
      method: 'POST',
      url: `http://localhost:3000/api/portal/tenants/${tenantId}/conversations/${conversationId}/messages/human`,
      body: { text: 'Refunded.' },
    })
    expect(screen.getByLabelText('Your reply')).toHaveValue('')
  })

  it('keeps the text and explains a 409 (the conversation was released meanwhile)', async () => {
    mockFetch(problem(409, 'The conversation is not handed over; the agent is answering it.'))
    const user = userEvent.setup()
    renderWithQuery(<HumanReplyForm tenantId={tenantId} conversationId={conversationId} />)
    await user.type(screen.getByLabelText('Your reply'), 'Hello')
    await user.click(screen.getByRole('button', { name: /Send reply/ }))
    expect(await screen.findByText('The conversation is not handed over; the agent is answering it.')).toBeInTheDocument()
    await waitFor(() => expect(screen.getByLabelText('Your reply')).toHaveValue('Hello'))
  })
})
