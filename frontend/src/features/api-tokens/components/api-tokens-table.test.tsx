import { screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { json, mockFetch, renderWithQuery } from '@/testing/render'
import { APITokensTable } from './api-tokens-table'

const tenantId = '7d6b7f5e-1e43-4c43-9c55-8cc5c0f3a001'

function token(id: string, name: string, createdBy: unknown) {
  return {
    id,
    tenant_id: tenantId,
    name,
    prefix: 'kst_ab12',
    role: 'member',
    created_at: '2026-12-01T10:00:00Z',
    last_used_at: null,
    expires_at: null,
    revoked_at: null,
    created_by: createdBy,
  }
}

describe('APITokensTable', () => {
  it('names the member each token acts for, and says when they have left', async () => {
    mockFetch(
      json(200, {
        items: [
          token('8a0c3b0e-8f7e-4c1e-9a51-000000000001', 'CI deploys', { id: 'u1', email: 'ada@example.com', name: 'Ada Lovelace' }),
          token('8a0c3b0e-8f7e-4c1e-9a51-000000000002', 'Old export', { id: 'u2', email: '', name: 'Grace Hopper' }),
        ],
        next_cursor: null,
      }),
    )
    renderWithQuery(<APITokensTable tenantId={tenantId} />)
    const table = await screen.findByRole('table', { name: 'API tokens' })
    expect(within(table).getByRole('columnheader', { name: 'Acts for' })).toBeInTheDocument()
    const ci = within(table).getByRole('row', { name: /CI deploys/ })
    expect(ci).toHaveTextContent('Ada Lovelace')
    expect(within(ci).getByTitle('ada@example.com')).toBeInTheDocument()
    const old = within(table).getByRole('row', { name: /Old export/ })
    expect(old).toHaveTextContent('Grace Hopper (left)')
  })
})
