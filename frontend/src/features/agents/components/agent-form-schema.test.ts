// @vitest-environment node
import { describe, expect, it } from 'vitest'
import type { components } from '@/api/schema.gen'
import { agentFieldForPath, agentFormSchema, agentToFormValues, formValuesToAgent, newAgentValues, newHTTPTool, type AgentFormValues } from './agent-form-schema'

const valid = (over: Partial<AgentFormValues> = {}): AgentFormValues => ({ ...newAgentValues, name: 'Ada', ...over })
const issues = (v: AgentFormValues) => {
  const r = agentFormSchema.safeParse(v)
  return r.success ? {} : Object.fromEntries(r.error.issues.map((i) => [i.path.join('.'), i.message]))
}

describe('agent form schema', () => {
  it('accepts the defaults with a name', () => {
    expect(issues(valid())).toEqual({})
  })

  it('requires a name of at most 80 characters', () => {
    expect(issues(valid({ name: '  ' }))).toHaveProperty('name', 'Give the agent a name')
    expect(issues(valid({ name: 'x'.repeat(81) }))).toHaveProperty('name', 'At most 80 characters')
    expect(issues(valid({ name: 'x'.repeat(80) }))).toEqual({})
  })

  it.each(['gpt-4o', 'google/gemini', 'openai/', 'openai/-x', 'openai/has space'])('rejects the model id %j', (model) => {
    expect(issues(valid({ model }))).toHaveProperty('model')
  })

  it.each(['openai/gpt-4o-mini', 'anthropic/claude-3-5-haiku-latest', 'custom/llama3.1:8b', 'custom/org/model.v2'])('accepts the model id %j', (model) => {
    expect(issues(valid({ model }))).toEqual({})
  })

  it('checks each fallback model on its own row and rejects duplicates', () => {
    const v = valid({ fallback_models: [{ value: 'openai/gpt-4o' }, { value: 'nope' }, { value: 'openai/gpt-4o' }] })
    expect(issues(v)).toEqual({
      'fallback_models.1.value': expect.stringMatching(/provider\/model/),
      'fallback_models.2.value': 'Same as fallback #1',
    })
  })

  it('allows at most five fallback models', () => {
    const six = Array.from({ length: 6 }, (_, i) => ({ value: `openai/m${i}` }))
    expect(issues(valid({ fallback_models: six }))).toHaveProperty('fallback_models')
  })

  it('keeps numbers in the API’s ranges', () => {
    expect(issues(valid({ temperature: 2.1 }))).toHaveProperty('temperature')
    expect(issues(valid({ temperature: Number.NaN }))).toHaveProperty('temperature', 'Enter a number for Temperature')
    expect(issues(valid({ max_reply_chars: 49 }))).toHaveProperty('max_reply_chars')
    expect(issues(valid({ window_size: 1.5 }))).toHaveProperty('window_size', 'Window size must be a whole number')
  })

  it('needs an id when someone is to be notified', () => {
    expect(issues(valid({ escalation_target: { type: 'slack_user', id: '' } }))).toHaveProperty('escalation_target.id')
    expect(issues(valid({ escalation_target: { type: 'none', id: '' } }))).toEqual({})
  })

  it('rejects empty escalation rules', () => {
    expect(issues(valid({ escalation_rules: [{ value: 'refund' }, { value: ' ' }] }))).toEqual({ 'escalation_rules.1.value': 'Write a rule or remove it' })
  })
})

describe('agent form ⇄ API', () => {
  const agent: components['schemas']['Agent'] = {
    id: 'a1',
    tenant_id: 't1',
    name: 'Ada',
    role_title: 'Support',
    persona: 'Warm',
    system_prompt: 'Help',
    model: 'openai/gpt-4o-mini',
    fallback_models: ['anthropic/claude-3-5-haiku-latest'],
    temperature: 0.4,
    max_reply_chars: 1200,
    window_size: 12,
    tools: ['current_time', 'some_future_tool'],
    escalation_rules: ['refund'],
    escalation_target: null,
    pinned_keys: {},
    memory_retention_days: 365,
    http_tools: [],
    is_active: false,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
  }

  it('round-trips an agent, dropping tools the portal does not know', () => {
    const body = formValuesToAgent(agentToFormValues(agent))
    expect(body).toEqual({
      name: 'Ada',
      role_title: 'Support',
      persona: 'Warm',
      system_prompt: 'Help',
      model: 'openai/gpt-4o-mini',
      fallback_models: ['anthropic/claude-3-5-haiku-latest'],
      temperature: 0.4,
      max_reply_chars: 1200,
      window_size: 12,
      tools: ['current_time'],
      escalation_rules: ['refund'],
      escalation_target: null,
      pinned_keys: {},
      http_tools: [],
      memory_retention_days: 365,
      is_active: false,
    })
  })

  it('sends pinned keys per provider and “for good” memory as null', () => {
    const v = agentToFormValues({ ...agent, pinned_keys: { anthropic: 'k2' }, memory_retention_days: null })
    expect(v.pinned_keys).toEqual({ openai: '', anthropic: 'k2', custom: '' })
    expect(v.memory_forever).toBe(true)
    const body = formValuesToAgent({ ...v, pinned_keys: { ...v.pinned_keys, openai: 'k1' } })
    expect(body.pinned_keys).toEqual({ openai: 'k1', anthropic: 'k2' })
    expect(body.memory_retention_days).toBeNull()
    expect(formValuesToAgent({ ...v, memory_forever: false, memory_retention_days: 30 }).memory_retention_days).toBe(30)
  })

  it('sends a target only when one is chosen', () => {
    expect(formValuesToAgent(valid({ escalation_target: { type: 'slack_channel', id: 'C1' } })).escalation_target).toEqual({ type: 'slack_channel', id: 'C1' })
    expect(formValuesToAgent(valid({ escalation_target: { type: 'none', id: 'left over' } })).escalation_target).toBeNull()
  })
})

const baseAgent = (): components['schemas']['Agent'] => ({
  id: 'a1',
  tenant_id: 't1',
  name: 'Ada',
  role_title: '',
  persona: '',
  system_prompt: '',
  model: 'openai/gpt-4o-mini',
  fallback_models: [],
  temperature: 0.7,
  max_reply_chars: 2000,
  window_size: 20,
  tools: [],
  escalation_rules: [],
  escalation_target: null,
  pinned_keys: {},
  memory_retention_days: 365,
  http_tools: [],
  is_active: true,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
})

describe('HTTP tools', () => {
  const tool = {
    name: 'get_order',
    description: 'Looks an order up',
    method: 'GET' as const,
    url: 'https://api.acme.com/orders/{id}',
    headers: { Accept: 'application/json' },
    secret_headers: { Authorization: '••••abcd' },
  }

  it('keeps a masked secret header unless a new value is typed', () => {
    const v = agentToFormValues({ ...baseAgent(), tools: ['http_request'], http_tools: [tool] })
    expect(v.http_tools[0]?.secret_headers).toEqual([{ key: 'Authorization', value: '', kept: '••••abcd' }])
    expect(formValuesToAgent(v).http_tools).toEqual([{ ...tool }])
    const changed = { ...v, http_tools: [{ ...v.http_tools[0]!, secret_headers: [{ key: 'Authorization', value: 'Bearer new', kept: '••••abcd' }] }] }
    expect(formValuesToAgent(changed).http_tools?.[0]?.secret_headers).toEqual({ Authorization: 'Bearer new' })
  })

  it('validates names, URLs, JSON Schema and new secret values', () => {
    const bad = valid({
      http_tools: [
        { name: 'Get Order', description: '', method: 'GET', url: 'ftp://x.example', parameters: '[1]', headers: [], secret_headers: [{ key: 'X-Key', value: '', kept: '' }] },
      ],
    })
    expect(Object.keys(issues(bad)).sort()).toEqual([
      'http_tools.0.description',
      'http_tools.0.name',
      'http_tools.0.parameters',
      'http_tools.0.secret_headers.0.value',
      'http_tools.0.url',
    ])
    const body = formValuesToAgent(valid({ http_tools: [{ ...newHTTPTool, name: 'x', description: 'd', url: 'https://a.example', parameters: '{"type":"object"}' }] }))
    expect(body.http_tools?.[0]?.parameters).toEqual({ type: 'object' })
  })
})

describe('agentFieldForPath', () => {
  it.each([
    ['name', 'name'],
    ['fallback_models.1', 'fallback_models.1.value'],
    ['escalation_rules.0', 'escalation_rules.0.value'],
    ['fallback_models', 'fallback_models'],
    ['tools.2', 'tools'],
    ['escalation_target', 'escalation_target.id'],
    ['escalation_target.id', 'escalation_target.id'],
    ['pinned_keys.openai', 'pinned_keys.openai'],
    ['memory_retention_days', 'memory_retention_days'],
    ['http_tools.1.url', 'http_tools.1.url'],
    ['http_tools.0.secret_headers.Authorization', 'http_tools.0.secret_headers'],
    ['tenant_id', undefined],
  ])('%s → %s', (path, field) => {
    expect(agentFieldForPath(path)).toBe(field)
  })
})
