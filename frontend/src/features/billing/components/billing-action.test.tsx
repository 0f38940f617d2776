import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { json, mockFetch, problem, renderWithQuery } from '@/testing/render'
import { navigateTo } from '../api/open-stripe'
import { BillingAction } from './billing-action'

const tenantId = '7d6b7f5e-1e43-4c43-9c55-8cc5c0f3a001'

describe('BillingAction', () => {
  it('subscribes through Checkout when the next action is checkout', async () => {
    const assign = vi.spyOn(navigateTo, 'assign').mockImplementation(() => {})
    const { requests } = mockFetch(json(200, { checkout_url: 'https://checkout.stripe.com/c/pay/cs_test_1' }))
    renderWithQuery(<BillingAction tenantId={tenantId} nextAction="checkout" canManage />)
    expect(screen.queryByRole('button', { name: 'Manage billing' })).not.toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: 'Subscribe' }))
    await waitFor(() => expect(assign).toHaveBeenCalledWith('https://checkout.stripe.com/c/pay/cs_test_1'))
    expect(requests).toEqual([{ method: 'POST', url: expect.stringMatching(/\/api\/portal\/billing\/checkout$/), body: { tenant_id: tenantId } }])
  })

  it('opens the Customer Portal when the next action is portal', async () => {
    const assign = vi.spyOn(navigateTo, 'assign').mockImplementation(() => {})
    const { requests } = mockFetch(json(200, { portal_url: 'https://billing.stripe.com/p/session/test_1' }))
    renderWithQuery(<BillingAction tenantId={tenantId} nextAction="portal" canManage />)
    expect(screen.queryByRole('button', { name: 'Subscribe' })).not.toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: 'Manage billing' }))
    await waitFor(() => expect(assign).toHaveBeenCalledWith('https://billing.stripe.com/p/session/test_1'))
    expect(requests[0]?.url).toMatch(/\/api\/portal\/billing\/portal$/)
  })

  it('shows a failure next to the button and stays on the page', async () => {
    const assign = vi.spyOn(navigateTo, 'assign').mockImplementation(() => {})
    mockFetch(problem(503, 'Billing is not configured on this platform.'))
    renderWithQuery(<BillingAction tenantId={tenantId} nextAction="checkout" canManage />)
    await userEvent.click(screen.getByRole('button', { name: 'Subscribe' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('Billing is not configured on this platform.')
    expect(assign).not.toHaveBeenCalled()
  })

  it('gives members no buttons, and nothing when there is nothing to do', () => {
    const { fetch } = mockFetch()
    const { unmount } = renderWithQuery(<BillingAction tenantId={tenantId} nextAction="checkout" canManage={false} />)
    expect(screen.queryByRole('button')).not.toBeInTheDocument()
    expect(screen.getByText(/Owners and admins manage/)).toBeInTheDocument()
    unmount()
    renderWithQuery(<BillingAction tenantId={tenantId} nextAction="none" canManage />)
    expect(screen.queryByRole('button')).not.toBeInTheDocument()
    expect(fetch).not.toHaveBeenCalled()
  })
})
