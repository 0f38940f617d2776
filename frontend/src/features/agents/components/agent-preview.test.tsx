import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { json, mockFetch, problem, renderWithQuery } from '@/testing/render'
import { AgentPreview } from './agent-preview'

const tenantId = '7d6b7f5e-1e43-4c43-9c55-8cc5c0f3a001'
const agentId = '0a8e5a4b-1f77-4c7e-9a53-52b0f0f4a6d1'

const result = (reply: string, extra: object = {}) =>
  json(200, {
    reply,
    model: 'openai/gpt-4o-mini',
    key_source: 'tenant',
    usage: { input_tokens: 120, output_tokens: 8 },
    cost_usd: 0.000023,
    latency_ms: 1250,
    tool_calls: [],
    ...extra,
  })

describe('AgentPreview', () => {
  it('keeps the conversation so far and sends it as history', async () => {
    const { requests } = mockFetch(
      result('Hello! How can I help?'),
      result('It is 10:00.', { key_source: 'platform', tool_calls: [{ name: 'current_time', arguments: { tz: 'UTC' }, ok: true, result: '10:00' }] }),
    )
    const user = userEvent.setup()
    renderWithQuery(<AgentPreview tenantId={tenantId} agentId={agentId} />)
    await user.type(screen.getByLabelText('Message'), 'Hi')
    await user.click(screen.getByRole('button', { name: 'Send' }))
    const thread = await screen.findByRole('list', { name: 'Preview conversation' })
    expect(await within(thread).findByText('Hello! How can I help?')).toBeInTheDocument()
    expect(thread).toHaveTextContent(/Key:\s*yours/)
    expect(thread).toHaveTextContent(/Tokens:\s*120 in \/ 8 out/)
    expect(thread).toHaveTextContent(/Time:\s*1\.25 s/)
    expect(thread).toHaveTextContent('openai/gpt-4o-mini')
    expect(screen.getByLabelText('Message')).toHaveValue('')

    await user.type(screen.getByLabelText('Message'), 'What time is it?{Enter}')
    expect(await within(thread).findByText('It is 10:00.')).toBeInTheDocument()
    expect(within(thread).getByRole('list', { name: 'Tool calls' })).toHaveTextContent(/current_time\s*ok\s*\{"tz":"UTC"\}\s*10:00/)
    expect(requests.map((r) => r.body)).toEqual([
      { message: 'Hi', history: [] },
      {
        message: 'What time is it?',
        history: [
          { role: 'user', text: 'Hi' },
          { role: 'assistant', text: 'Hello! How can I help?' },
        ],
      },
    ])

    await user.click(screen.getByRole('button', { name: 'Start over' }))
    expect(screen.queryByRole('list', { name: 'Preview conversation' })).toBeNull()
  })

  it('says when the reply did not come from the model (the knowledge had nothing)', async () => {
    mockFetch(result("I don't know that.", { key_source: 'none', usage: { input_tokens: 0, output_tokens: 0 }, cost_usd: 0, latency_ms: 0 }))
    const user = userEvent.setup()
    renderWithQuery(<AgentPreview tenantId={tenantId} agentId={agentId} />)
    await user.type(screen.getByLabelText('Message'), 'Do you ship to Norway?{Enter}')
    const thread = await screen.findByRole('list', { name: 'Preview conversation' })
    expect(await within(thread).findByText("I don't know that.")).toBeInTheDocument()
    expect(thread).toHaveTextContent(/Key:\s*none — not sent to the model/)
  })

  it('shows a failed turn in the pane and keeps the typed message', async () => {
    mockFetch(problem(502, 'Every model failed: openai/gpt-4o-mini answered 401.'))
    const user = userEvent.setup()
    renderWithQuery(<AgentPreview tenantId={tenantId} agentId={agentId} />)
    await user.type(screen.getByLabelText('Message'), 'Hi')
    await user.click(screen.getByRole('button', { name: 'Send' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('Every model failed')
    expect(screen.getByLabelText('Message')).toHaveValue('Hi')
  })
})
