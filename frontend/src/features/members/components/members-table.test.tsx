import { screen } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { json, mockFetch, renderWithQuery } from '@/testing/render'
import { MembersTable } from './members-table'

const tenantId = '7d6b7f5e-1e43-4c43-9c55-8cc5c0f3a001'
const member = (id: string, role: string, name: string) => ({
  id,
  email: `${name.toLowerCase()}@example.com`,
  name,
  role,
  status: 'active',
  created_at: '2026-11-01T00:00:00Z',
})

describe('MembersTable', () => {
  it('offers no Leave to the only owner (the API would refuse it), and says what to do', async () => {
    mockFetch(json(200, { items: [member('u1', 'owner', 'Grace'), member('u2', 'member', 'Alan')], next_cursor: null }))
    renderWithQuery(<MembersTable tenantId={tenantId} currentUserId="u1" callerRole="owner" onLeft={vi.fn()} />)
    expect(await screen.findByText('Make someone else an owner to leave.')).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: /^Leave/ })).toBeNull()
    expect(screen.getByRole('button', { name: /Remove/ })).toHaveTextContent('alan@example.com')
  })

  it('lets an owner leave when another owner remains', async () => {
    mockFetch(json(200, { items: [member('u1', 'owner', 'Grace'), member('u2', 'owner', 'Alan')], next_cursor: null }))
    renderWithQuery(<MembersTable tenantId={tenantId} currentUserId="u1" callerRole="owner" onLeft={vi.fn()} />)
    expect(await screen.findByRole('button', { name: /^Leave/ })).toBeInTheDocument()
  })
})
