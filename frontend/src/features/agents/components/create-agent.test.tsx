import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { json, mockFetch, problem, renderWithQuery } from '@/testing/render'
import { CreateAgent } from './create-agent'

const tenantId = '7d6b7f5e-1e43-4c43-9c55-8cc5c0f3a001'

function setup() {
  const onCreated = vi.fn()
  const user = userEvent.setup()
  renderWithQuery(<CreateAgent tenantId={tenantId} onCreated={onCreated} />)
  return { user, onCreated }
}

describe('CreateAgent', () => {
  it('shows validation errors next to the fields and sends nothing', async () => {
    const { fetch } = mockFetch()
    const { user } = setup()
    await user.type(screen.getByLabelText('Name'), 'x'.repeat(81))
    const model = screen.getByLabelText('Primary model')
    await user.clear(model)
    await user.type(model, 'gpt-4o')
    await user.click(screen.getByRole('button', { name: 'Create agent' }))

    expect(await screen.findByText('At most 80 characters')).toBeInTheDocument()
    expect(screen.getByLabelText('Name')).toHaveAttribute('aria-invalid', 'true')
    expect(screen.getByLabelText('Primary model')).toHaveAccessibleDescription(/provider\/model/)
    expect(fetch).not.toHaveBeenCalled()
  })

  it('puts the server’s 422 locations on the matching rows', async () => {
    const { requests } = mockFetch(
      problem(422, 'The agent is not valid.', [
        { location: 'body.fallback_models[1]', message: 'unknown model for provider anthropic' },
        { location: 'body.escalation_rules[0]', message: 'position 9: expected a number after ">"' },
      ]),
    )
    const { user, onCreated } = setup()
    await user.type(screen.getByLabelText('Name'), 'Ada')
    const addFallback = screen.getByRole('button', { name: 'Add fallback model' })
    await user.click(addFallback)
    await user.type(screen.getByLabelText('Fallback model 1'), 'openai/gpt-4o')
    await user.click(addFallback)
    await user.type(screen.getByLabelText('Fallback model 2'), 'anthropic/claude-9')
    await user.click(screen.getByRole('button', { name: 'Add rule' }))
    await user.type(screen.getByLabelText('Escalation rule 1'), 'count > x')
    await user.click(screen.getByRole('checkbox', { name: /Current time/ }))
    await user.click(screen.getByRole('button', { name: 'Create agent' }))

    const second = screen.getByLabelText('Fallback model 2')
    await waitFor(() => expect(second).toHaveAttribute('aria-invalid', 'true'))
    expect(second).toHaveAccessibleDescription('unknown model for provider anthropic')
    expect(screen.getByLabelText('Fallback model 1')).not.toHaveAttribute('aria-invalid')
    expect(screen.getByLabelText('Escalation rule 1')).toHaveAccessibleDescription('position 9: expected a number after ">"')
    expect(onCreated).not.toHaveBeenCalled()

    expect(requests).toHaveLength(1)
    expect(requests[0]).toMatchObject({
      method: 'POST',
      url: `http://localhost:3000/api/portal/tenants/${tenantId}/agents`,
      body: {
        name: 'Ada',
        model: 'openai/gpt-4o-mini',
        fallback_models: ['openai/gpt-4o', 'anthropic/claude-9'],
        tools: ['current_time'],
        escalation_rules: ['count > x'],
        escalation_target: null,
        is_active: true,
      },
    })
  })

  it('shows other problems next to the submit button, with their detail', async () => {
    mockFetch(problem(403, 'This needs the admin role or higher.'))
    const { user } = setup()
    await user.type(screen.getByLabelText('Name'), 'Ada')
    await user.click(screen.getByRole('button', { name: 'Create agent' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('This needs the admin role or higher.')
  })

  it('reorders fallback models', async () => {
    mockFetch()
    const { user } = setup()
    const add = screen.getByRole('button', { name: 'Add fallback model' })
    await user.click(add)
    await user.type(screen.getByLabelText('Fallback model 1'), 'openai/a')
    await user.click(add)
    await user.type(screen.getByLabelText('Fallback model 2'), 'openai/b')
    await user.click(screen.getByRole('button', { name: 'Move fallback model 2 up' }))
    expect(screen.getByLabelText('Fallback model 1')).toHaveValue('openai/b')
    expect(screen.getByLabelText('Fallback model 2')).toHaveValue('openai/a')
    await user.click(screen.getByRole('button', { name: 'Remove fallback model 1' }))
    expect(screen.getByLabelText('Fallback model 1')).toHaveValue('openai/a')
    expect(screen.queryByLabelText('Fallback model 2')).toBeNull()
  })

  it('creates the agent and hands it back', async () => {
    const created = { id: 'a1', name: 'Ada' }
    mockFetch(json(201, created))
    const { user, onCreated } = setup()
    await user.type(screen.getByLabelText('Name'), 'Ada')
    await user.click(screen.getByRole('button', { name: 'Create agent' }))
    await waitFor(() => expect(onCreated).toHaveBeenCalledWith(created))
    expect(await within(document.body).findByText('Ada was created')).toBeInTheDocument()
  })
})
