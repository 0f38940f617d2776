import { screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import type { Connection } from '../api/get-connections'
import { json, mockFetch, problem, renderWithQuery } from '@/testing/render'
import { TestMessage } from './test-message'

const tenantId = '7d6b7f5e-1e43-4c43-9c55-8cc5c0f3a001'
const base = {
  id: 'c0a8e5a4-1f77-4c7e-9a53-52b0f0f4a6d1',
  tenant_id: tenantId,
  external_id: 'x',
  status: 'active',
  status_reason: '',
  agent_id: null,
  connected_at: '2026-11-01T00:00:00Z',
  last_event_at: null,
  last_test: null,
  last_check: null,
  details: {},
} as const
const whatsapp: Connection = { ...base, type: 'whatsapp', display_name: '+1 555-0100' }
const slack: Connection = { ...base, type: 'slack', display_name: 'Acme' }
const list = json(200, { items: [], next_cursor: null })

describe('TestMessage', () => {
  it('asks WhatsApp for a valid recipient, then shows the success', async () => {
    const { requests } = mockFetch(json(200, { success: true, message: 'Sent hello_world to +16505551234.' }), list)
    const onSent = vi.fn()
    const user = userEvent.setup()
    renderWithQuery(<TestMessage tenantId={tenantId} connection={whatsapp} onSent={onSent} />)
    const to = screen.getByLabelText('Recipient number')
    await user.type(to, '555')
    await user.click(screen.getByRole('button', { name: /Send Test Message/ }))
    expect(await screen.findByText(/international format/, { selector: 'p.text-red-600' })).toBeInTheDocument()
    expect(requests).toHaveLength(0)

    await user.clear(to)
    await user.type(to, '+1 (650) 555-1234')
    await user.click(screen.getByRole('button', { name: /Send Test Message/ }))
    expect(await screen.findByRole('status')).toHaveTextContent('Test message sent. Sent hello_world to +16505551234.')
    expect(requests[0]?.body).toEqual({ channel_type: 'whatsapp', connection_id: whatsapp.id, to: '+16505551234' })
    expect(onSent).toHaveBeenCalledOnce()
  })

  it('shows the provider’s refusal in place', async () => {
    mockFetch(problem(502, 'Slack refused the message: channel_not_found'), list)
    const onSent = vi.fn()
    const user = userEvent.setup()
    renderWithQuery(<TestMessage tenantId={tenantId} connection={slack} onSent={onSent} />)
    expect(screen.queryByLabelText('Recipient number')).toBeNull()
    await user.click(screen.getByRole('button', { name: /Send Test Message/ }))
    expect(await screen.findByRole('alert')).toHaveTextContent('The test message failed. Slack refused the message: channel_not_found')
    expect(onSent).not.toHaveBeenCalled()
  })
})
