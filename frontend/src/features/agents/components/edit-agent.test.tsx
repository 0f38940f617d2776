import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import type { components } from '@/api/schema.gen'
import { json, mockFetch, renderWithQuery } from '@/testing/render'
import { EditAgent, keepToolLimits } from './edit-agent'

const agent: components['schemas']['Agent'] = {
  id: '0a8e5a4b-1f77-4c7e-9a53-52b0f0f4a6d1',
  tenant_id: '7d6b7f5e-1e43-4c43-9c55-8cc5c0f3a001',
  name: 'Ada',
  role_title: '',
  persona: '',
  system_prompt: '',
  model: 'openai/gpt-4o-mini',
  fallback_models: [],
  temperature: 0.7,
  max_reply_chars: 2000,
  window_size: 20,
  tools: ['http_request'],
  escalation_rules: [],
  escalation_target: null,
  pinned_keys: {},
  memory_retention_days: 365,
  http_tools: [
    {
      name: 'get_order',
      description: 'Looks an order up',
      method: 'GET',
      url: 'https://8.8.8.8/orders',
      headers: {},
      secret_headers: { Authorization: '••••abcd' },
      // Set through the API; the form has no fields for them.
      timeout_ms: 12000,
      max_response_bytes: 4096,
    },
  ],
  is_active: true,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
}

describe('EditAgent with HTTP tools', () => {
  it('shows a secret header only masked and leaves the tools out of an update that did not touch them', async () => {
    const { requests } = mockFetch(json(200, agent), json(200, agent))
    const user = userEvent.setup()
    renderWithQuery(<EditAgent agent={agent} readOnly={false} />)
    const secret = screen.getByLabelText('Secret headers 1 value, tool 1')
    expect(secret).toHaveValue('')
    expect(secret).toHaveAttribute('placeholder', '••••abcd (unchanged)')
    expect(secret).toHaveAttribute('type', 'password')

    await user.type(screen.getByLabelText('Role'), 'Support')
    await user.click(screen.getByRole('button', { name: 'Save changes' }))
    await waitFor(() => expect(requests).toHaveLength(1))
    expect(requests[0]?.body).not.toHaveProperty('http_tools')

    await user.type(screen.getByLabelText('When to call it'), ' by id')
    await user.click(screen.getByRole('button', { name: 'Save changes' }))
    await waitFor(() => expect(requests.filter((r) => r.method === 'PATCH')).toHaveLength(2))
    const second = requests.filter((r) => r.method === 'PATCH')[1]?.body as { http_tools: unknown }
    // The API-set limits survive a portal edit of the tool (they used to reset to the defaults).
    expect(second.http_tools).toEqual([{ ...agent.http_tools[0], description: 'Looks an order up by id' }])
    expect(second.http_tools).toMatchObject([{ timeout_ms: 12000, max_response_bytes: 4096 }])
  })

  it('keeps a renamed tool’s limits by position and leaves new tools to the defaults', () => {
    const stored = [{ ...agent.http_tools[0]!, timeout_ms: 900 }]
    const edited = [
      { ...agent.http_tools[0]!, name: 'find_order', timeout_ms: undefined, max_response_bytes: undefined },
      { name: 'new_tool', description: 'x', method: 'GET' as const, url: 'https://8.8.8.8/x' },
    ]
    expect(keepToolLimits(edited, stored)).toEqual([
      { ...edited[0], timeout_ms: 900, max_response_bytes: 4096 },
      edited[1],
    ])
  })
})
