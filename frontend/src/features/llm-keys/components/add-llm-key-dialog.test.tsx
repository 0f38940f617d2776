import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { json, mockFetch, problem, renderWithQuery } from '@/testing/render'
import { AddLLMKeyForm } from './add-llm-key-dialog'
import { llmKeyRequest, llmKeySchema, newLLMKeyValues } from './llm-key-schema'
import { Dialog, DialogContent } from '@/components/ui/dialog'

const tenantId = '7d6b7f5e-1e43-4c43-9c55-8cc5c0f3a001'

function setup() {
  const onAdded = vi.fn()
  const user = userEvent.setup()
  renderWithQuery(
    <Dialog open>
      <DialogContent title="Add API Key">
        <AddLLMKeyForm tenantId={tenantId} onAdded={onAdded} />
      </DialogContent>
    </Dialog>,
  )
  return { user, onAdded }
}

describe('LLM key schema', () => {
  it('needs a base URL for Custom only, and sends it only then', () => {
    const custom = { ...newLLMKeyValues, provider: 'custom' as const, label: 'Office Ollama', api_key: 'ollama' }
    const r = llmKeySchema.safeParse(custom)
    expect(r.success).toBe(false)
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['base_url'])
    expect(llmKeySchema.safeParse({ ...custom, base_url: 'ftp://x' }).success).toBe(false)
    expect(llmKeySchema.safeParse({ ...custom, base_url: 'https://llm.example.com/v1' }).success).toBe(true)
    expect(llmKeyRequest({ ...custom, provider: 'openai', base_url: 'https://left.over' }).body).not.toHaveProperty('base_url')
    expect(llmKeySchema.safeParse({ ...newLLMKeyValues, label: 'ab', api_key: 'sk' }).error?.issues[0]?.message).toBe('At least 3 characters')
  })
})

describe('AddLLMKeyForm', () => {
  it('asks Custom for its base URL and verifies by default', async () => {
    const { requests } = mockFetch(json(201, { id: 'k1', provider: 'custom', label: 'Office Ollama' }), json(200, { items: [], next_cursor: null }))
    const { user, onAdded } = setup()
    expect(screen.queryByLabelText('Base URL')).toBeNull()
    await user.selectOptions(screen.getByRole('combobox', { name: 'Provider' }), 'custom')
    await user.type(screen.getByLabelText('Label'), 'Office Ollama')
    const key = screen.getByLabelText('API key')
    expect(key).toHaveAttribute('type', 'password')
    await user.type(key, 'ollama')
    await user.click(screen.getByRole('button', { name: 'Add key' }))
    expect(await screen.findByText('A custom provider needs its OpenAI-compatible base URL')).toBeInTheDocument()
    expect(requests).toHaveLength(0)

    await user.type(screen.getByLabelText('Base URL'), 'https://llm.example.com/v1')
    await user.click(screen.getByRole('button', { name: 'Add key' }))
    await waitFor(() => expect(onAdded).toHaveBeenCalled())
    expect(requests[0]).toMatchObject({
      method: 'POST',
      url: `http://localhost:3000/api/portal/tenants/${tenantId}/llm-keys?verify=true`,
      body: { provider: 'custom', label: 'Office Ollama', api_key: 'ollama', base_url: 'https://llm.example.com/v1' },
    })
  })

  it('shows the provider’s refusal on the key', async () => {
    mockFetch(problem(422, 'The key is not valid.', [{ location: 'body.api_key', message: 'OpenAI rejected this key (Incorrect API key provided)' }]))
    const { user, onAdded } = setup()
    await user.type(screen.getByLabelText('Label'), 'Prod')
    await user.type(screen.getByLabelText('API key'), 'sk-wrong')
    await user.click(screen.getByRole('button', { name: 'Add key' }))
    const key = screen.getByLabelText('API key')
    await waitFor(() => expect(key).toHaveAttribute('aria-invalid', 'true'))
    expect(key).toHaveAccessibleDescription(/OpenAI rejected this key/)
    expect(onAdded).not.toHaveBeenCalled()
  })
})
