import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { json, mockFetch, renderWithQuery } from '@/testing/render'
import { AddMemberDialog } from './add-member-dialog'

const tenantId = '7d6b7f5e-1e43-4c43-9c55-8cc5c0f3a001'
const invitation = {
  id: '0190a000-0000-7000-8000-000000000001',
  email: 'grace@example.com',
  role: 'member',
  status: 'invited',
  created_at: '2026-12-01T10:00:00Z',
  invite_url: 'http://localhost:3000/invitations/accept?token=inv_abc',
  invite_expires_at: '2026-12-15T10:00:00Z',
}

async function invite(user: ReturnType<typeof userEvent.setup>) {
  await user.click(screen.getByRole('button', { name: 'Add member' }))
  await user.type(await screen.findByLabelText('Email'), 'grace@example.com')
  await user.click(screen.getByRole('button', { name: 'Add member' }))
}

describe('AddMemberDialog', () => {
  it('shows the invitation link to copy when the platform sends no email', async () => {
    const { requests } = mockFetch(json(201, { ...invitation, invite_emailed: false }), json(200, { items: [], next_cursor: null }))
    const user = userEvent.setup()
    renderWithQuery(<AddMemberDialog tenantId={tenantId} callerRole="owner" />)
    await invite(user)
    expect(await screen.findByLabelText('Invitation link for grace@example.com')).toHaveValue(invitation.invite_url)
    expect(screen.getByRole('button', { name: 'Copy link' })).toBeInTheDocument()
    expect(requests[0]).toMatchObject({ method: 'POST', body: { email: 'grace@example.com', role: 'member' } })
  })

  it('says the invitation was emailed when it was', async () => {
    mockFetch(json(201, { ...invitation, invite_emailed: true }), json(200, { items: [], next_cursor: null }))
    const user = userEvent.setup()
    renderWithQuery(<AddMemberDialog tenantId={tenantId} callerRole="owner" />)
    await invite(user)
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
    expect(screen.queryByLabelText('Invitation link for grace@example.com')).toBeNull()
  })
})
