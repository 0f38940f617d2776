import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { json, mockFetch, problem, renderWithQuery } from '@/testing/render'
import { budgetBadge } from '../budget-status'
import { BudgetForm } from './budget-form'
import { budgetSchema, toBudgetUpdate } from './budget-schema'

const tenantId = '7d6b7f5e-1e43-4c43-9c55-8cc5c0f3a001'

describe('budget schema', () => {
  it('accepts empty (no limit) or dollars with at most cents, up to $10M', () => {
    const ok = (limit: string) => budgetSchema.safeParse({ limit, action: 'notify' }).success
    expect(ok('')).toBe(true)
    expect(ok('250')).toBe(true)
    expect(ok(' 99.50 ')).toBe(true)
    expect(ok('10000000')).toBe(true)
    expect(ok('10000000.01')).toBe(false)
    expect(ok('-5')).toBe(false)
    expect(ok('1.005')).toBe(false)
    expect(ok('ten')).toBe(false)
    expect(budgetSchema.safeParse({ limit: '5', action: 'pause' }).success).toBe(false)
  })

  it('sends null for no limit and a number otherwise', () => {
    expect(toBudgetUpdate({ limit: '', action: 'stop' })).toEqual({ limit_usd: null, action: 'stop' })
    expect(toBudgetUpdate({ limit: '99.5', action: 'downgrade' })).toEqual({ limit_usd: 99.5, action: 'downgrade' })
  })

  it('maps budget statuses to badges', () => {
    expect(budgetBadge('none')).toEqual({ label: 'No limit set', tone: 'neutral' })
    expect(budgetBadge('ok').tone).toBe('success')
    expect(budgetBadge('warning').tone).toBe('warning')
    expect(budgetBadge('exceeded').tone).toBe('danger')
  })
})

describe('BudgetForm', () => {
  it('shows a validation error next to the limit and sends nothing', async () => {
    const { fetch } = mockFetch()
    renderWithQuery(<BudgetForm tenantId={tenantId} budget={{ limit_usd: null, action: 'notify' }} />)
    await userEvent.type(screen.getByLabelText('Monthly limit (USD)'), '12.345')
    await userEvent.click(screen.getByRole('button', { name: 'Save budget' }))
    const limit = screen.getByLabelText('Monthly limit (USD)')
    await waitFor(() => expect(limit).toHaveAttribute('aria-invalid', 'true'))
    expect(limit).toHaveAccessibleDescription(/Enter an amount in dollars/)
    expect(fetch).not.toHaveBeenCalled()
  })

  it('puts the server’s 422 on the limit field', async () => {
    const { requests } = mockFetch(problem(422, 'The budget is not valid.', [{ location: 'body.limit_usd', message: 'must be at most 10000000' }]))
    renderWithQuery(<BudgetForm tenantId={tenantId} budget={{ limit_usd: 100, action: 'stop' }} />)
    const limit = screen.getByLabelText('Monthly limit (USD)')
    expect(limit).toHaveValue('100')
    await userEvent.clear(limit)
    await userEvent.type(limit, '250')
    await userEvent.click(screen.getByRole('button', { name: 'Save budget' }))
    await waitFor(() => expect(limit).toHaveAttribute('aria-invalid', 'true'))
    expect(limit).toHaveAccessibleDescription(/must be at most 10000000/)
    expect(requests).toHaveLength(1)
    expect(requests[0]).toMatchObject({ method: 'PUT', body: { limit_usd: 250, action: 'stop' } })
    expect(requests[0]?.url).toMatch(new RegExp(`/api/portal/tenants/${tenantId}/budget$`))
  })

  it('saves an empty limit as no limit', async () => {
    const { requests } = mockFetch(json(200, { limit_usd: null, action: 'notify', month_to_date_usd: 3, percent: null, status: 'none' }))
    renderWithQuery(<BudgetForm tenantId={tenantId} budget={{ limit_usd: 40, action: 'notify' }} />)
    await userEvent.clear(screen.getByLabelText('Monthly limit (USD)'))
    await userEvent.click(screen.getByRole('button', { name: 'Save budget' }))
    expect(await screen.findByText('Budget saved')).toBeInTheDocument()
    expect(requests[0]?.body).toEqual({ limit_usd: null, action: 'notify' })
  })
})
