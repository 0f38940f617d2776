import { z } from '@/lib/zod'
import type { FieldPath } from 'react-hook-form'
import type { components } from '@/api/schema.gen'
import { sameNames } from '@/lib/form-problem'

type Agent = components['schemas']['Agent']
type AgentFields = components['schemas']['AgentCreate']
type Tool = NonNullable<AgentFields['tools']>[number]
type EscalationTargetType = components['schemas']['EscalationTarget']['type']
type HTTPTool = components['schemas']['HTTPTool']

export const MAX_HTTP_TOOLS = 10
export const httpMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const

/** A stored secret header comes back masked, like `••••abcd`. */
export const MASK_PREFIX = '••••'

const headerRow = z.object({
  key: z
    .string()
    .trim()
    .min(1, 'Name the header')
    .max(100, 'At most 100 characters')
    .regex(/^[A-Za-z0-9-]+$/, 'Letters, digits and dashes only'),
  value: z.string().max(2000, 'At most 2,000 characters'),
  /** The masked stored value of a secret header; sent back unchanged to keep it. */
  kept: z.string(),
})

const httpToolSchema = z
  .object({
    name: z
      .string()
      .trim()
      .regex(/^[a-z][a-z0-9_]{0,39}$/, 'Lowercase letters, digits and _, starting with a letter (e.g. get_order_status)'),
    description: z.string().trim().min(1, 'Say when the agent should call it').max(500, 'At most 500 characters'),
    method: z.enum(httpMethods),
    url: z
      .string()
      .trim()
      .min(8, 'Enter the URL')
      .max(500, 'At most 500 characters')
      .regex(/^https?:\/\//, 'Use an http(s) URL'),
    parameters: z.string().max(20000, 'At most 20,000 characters'),
    headers: z.array(headerRow),
    secret_headers: z.array(headerRow),
  })
  .superRefine((t, ctx) => {
    if (t.parameters.trim() !== '') {
      try {
        const v: unknown = JSON.parse(t.parameters)
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object')
      } catch {
        ctx.addIssue({ code: 'custom', path: ['parameters'], message: 'Enter a JSON Schema object, e.g. {"type":"object","properties":{…}}' })
      }
    }
    t.secret_headers.forEach((h, i) => {
      if (h.value === '' && h.kept === '') ctx.addIssue({ code: 'custom', path: ['secret_headers', i, 'value'], message: 'Enter the value' })
    })
  })

/** Mirrors the contract's ModelID pattern so mistakes show before a round trip. */
export const MODEL_ID = /^(openai|anthropic|custom)\/[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$/

export const MAX_FALLBACK_MODELS = 5
export const MAX_ESCALATION_RULES = 20

export const modelSuggestions = [
  'openai/gpt-4o-mini',
  'openai/gpt-4o',
  'anthropic/claude-3-5-haiku-latest',
  'anthropic/claude-3-5-sonnet-latest',
] as const

export const agentTools: ReadonlyArray<{ value: Tool; label: string; description: string }> = [
  { value: 'current_time', label: 'Current time', description: 'Knows today’s date and time.' },
  { value: 'http_request', label: 'HTTP request', description: 'Calls web APIs you describe in the system prompt.' },
  { value: 'escalate_to_human', label: 'Escalate to a human', description: 'Hands the conversation over when it decides to.' },
]

export const escalationTargetTypes: ReadonlyArray<{ value: EscalationTargetType | 'none'; label: string }> = [
  { value: 'none', label: 'Nobody' },
  { value: 'slack_user', label: 'A Slack user' },
  { value: 'slack_channel', label: 'A Slack channel' },
]

const modelId = z
  .string()
  .trim()
  .min(1, 'Enter a model')
  .regex(MODEL_ID, 'Use provider/model, where provider is openai, anthropic or custom (e.g. openai/gpt-4o-mini)')

const number = (label: string, min: number, max: number, int: boolean) => {
  const base = z.number({ error: `Enter a number for ${label}` })
  return (int ? base.int(`${label} must be a whole number`) : base)
    .min(min, `${label} must be at least ${min}`)
    .max(max, `${label} must be at most ${max.toLocaleString('en-US')}`)
}

// Lists are arrays of objects because react-hook-form's field arrays need
// objects to keep a stable identity per row.
export const agentFormSchema = z
  .object({
    name: z.string().trim().min(1, 'Give the agent a name').max(80, 'At most 80 characters'),
    role_title: z.string().trim().max(80, 'At most 80 characters'),
    persona: z.string().max(4000, 'At most 4,000 characters'),
    system_prompt: z.string().max(16000, 'At most 16,000 characters'),
    model: modelId,
    fallback_models: z.array(z.object({ value: modelId })).max(MAX_FALLBACK_MODELS, `At most ${MAX_FALLBACK_MODELS} fallback models`),
    temperature: number('Temperature', 0, 2, false),
    max_reply_chars: number('Reply length', 50, 40000, true),
    window_size: number('Window size', 1, 100, true),
    tools: z.array(z.enum(['current_time', 'http_request', 'escalate_to_human'])),
    escalation_rules: z
      .array(z.object({ value: z.string().trim().min(1, 'Write a rule or remove it').max(500, 'At most 500 characters') }))
      .max(MAX_ESCALATION_RULES, `At most ${MAX_ESCALATION_RULES} rules`),
    escalation_target: z.object({
      type: z.enum(['none', 'slack_user', 'slack_channel']),
      id: z.string().trim().max(40, 'At most 40 characters'),
    }),
    pinned_keys: z.object({ openai: z.string(), anthropic: z.string(), custom: z.string() }),
    http_tools: z.array(httpToolSchema).max(MAX_HTTP_TOOLS, `At most ${MAX_HTTP_TOOLS} HTTP tools`),
    memory_forever: z.boolean(),
    memory_retention_days: number('Memory', 1, 3650, true),
    is_active: z.boolean(),
  })
  .superRefine((v, ctx) => {
    const seen = new Map<string, number>()
    v.fallback_models.forEach((m, i) => {
      const first = seen.get(m.value)
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['fallback_models', i, 'value'], message: `Same as fallback #${first + 1}` })
      else seen.set(m.value, i)
    })
    if (v.escalation_target.type !== 'none' && v.escalation_target.id === '') {
      ctx.addIssue({
        code: 'custom',
        path: ['escalation_target', 'id'],
        message: v.escalation_target.type === 'slack_user' ? 'Enter the Slack user id (like U024BE7LH)' : 'Enter the Slack channel id (like C024BE91L)',
      })
    }
  })

export type AgentFormValues = z.infer<typeof agentFormSchema>

export const newAgentValues: AgentFormValues = {
  name: '',
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
  escalation_target: { type: 'none', id: '' },
  pinned_keys: { openai: '', anthropic: '', custom: '' },
  http_tools: [],
  memory_forever: false,
  memory_retention_days: 365,
  is_active: true,
}

export type KeyProvider = 'openai' | 'anthropic' | 'custom'
export const keyProviders: ReadonlyArray<{ value: KeyProvider; label: string }> = [
  { value: 'openai', label: 'OpenAI' },
  { value: 'anthropic', label: 'Anthropic' },
  { value: 'custom', label: 'Custom' },
]

/** A tenant key an agent may pin (from Settings → LLM API keys). */
export interface PinnableKey {
  id: string
  provider: KeyProvider
  label: string
  key_hint: string
  status: 'active' | 'failing'
}

const knownTools = new Set<string>(agentTools.map((t) => t.value))

export function agentToFormValues(a: Agent): AgentFormValues {
  return {
    name: a.name,
    role_title: a.role_title,
    persona: a.persona,
    system_prompt: a.system_prompt,
    model: a.model,
    fallback_models: a.fallback_models.map((value) => ({ value })),
    temperature: a.temperature,
    max_reply_chars: a.max_reply_chars,
    window_size: a.window_size,
    // A tool this portal does not know yet is dropped from the form, not sent back.
    tools: a.tools.filter((t): t is Tool => knownTools.has(t)),
    escalation_rules: a.escalation_rules.map((value) => ({ value })),
    escalation_target: a.escalation_target ?? { type: 'none', id: '' },
    http_tools: a.http_tools.map(httpToolToForm),
    pinned_keys: { openai: a.pinned_keys.openai ?? '', anthropic: a.pinned_keys.anthropic ?? '', custom: a.pinned_keys.custom ?? '' },
    memory_forever: a.memory_retention_days === null,
    memory_retention_days: a.memory_retention_days ?? 365,
    is_active: a.is_active,
  }
}

/** The body for both create and update: every field, so the agent ends up exactly as shown. */
export function formValuesToAgent(v: AgentFormValues): AgentFields & { name: string; model: string } {
  const { type, id } = v.escalation_target
  return {
    name: v.name,
    role_title: v.role_title,
    persona: v.persona,
    system_prompt: v.system_prompt,
    model: v.model,
    fallback_models: v.fallback_models.map((m) => m.value),
    temperature: v.temperature,
    max_reply_chars: v.max_reply_chars,
    window_size: v.window_size,
    tools: v.tools,
    escalation_rules: v.escalation_rules.map((r) => r.value),
    escalation_target: type === 'none' ? null : { type, id },
    pinned_keys: Object.fromEntries(Object.entries(v.pinned_keys).filter(([, id]) => id !== '')),
    http_tools: v.http_tools.map(httpToolFromForm),
    memory_retention_days: v.memory_forever ? null : v.memory_retention_days,
    is_active: v.is_active,
  }
}

export type HTTPToolValues = AgentFormValues['http_tools'][number]

export const newHTTPTool: HTTPToolValues = { name: '', description: '', method: 'GET', url: '', parameters: '', headers: [], secret_headers: [] }

function httpToolToForm(t: HTTPTool): HTTPToolValues {
  return {
    name: t.name,
    description: t.description,
    method: t.method,
    url: t.url,
    parameters: t.parameters ? JSON.stringify(t.parameters, null, 2) : '',
    headers: Object.entries(t.headers ?? {}).map(([key, value]) => ({ key, value, kept: '' })),
    // The server only ever returns the mask: the input starts empty and the
    // mask goes back unchanged unless a new value is typed.
    secret_headers: Object.entries(t.secret_headers ?? {}).map(([key, masked]) => ({ key, value: '', kept: masked })),
  }
}

function httpToolFromForm(t: HTTPToolValues): HTTPTool {
  const parameters = t.parameters.trim() === '' ? undefined : (JSON.parse(t.parameters) as Record<string, unknown>)
  return {
    name: t.name,
    description: t.description,
    method: t.method,
    url: t.url,
    ...(parameters ? { parameters } : {}),
    headers: Object.fromEntries(t.headers.map((h) => [h.key, h.value])),
    secret_headers: Object.fromEntries(t.secret_headers.map((h) => [h.key, h.value !== '' ? h.value : h.kept])),
  }
}

const plainFields = sameNames<AgentFormValues>([
  'name',
  'role_title',
  'persona',
  'system_prompt',
  'model',
  'temperature',
  'max_reply_chars',
  'window_size',
  'tools',
  'is_active',
  'escalation_target.type',
  'escalation_target.id',
  'pinned_keys.openai',
  'pinned_keys.anthropic',
  'pinned_keys.custom',
  'memory_retention_days',
])

/**
 * Where a server error about `path` (from `body.<path>`) shows on this form:
 * list items land on their own row (`fallback_models.1` → that row's input),
 * errors about a whole list or object on the list/target itself.
 */
export function agentFieldForPath(path: string): FieldPath<AgentFormValues> | undefined {
  const item = /^(fallback_models|escalation_rules)\.(\d+)$/.exec(path)
  if (item) return `${item[1] as 'fallback_models' | 'escalation_rules'}.${Number(item[2])}.value`
  if (path === 'fallback_models' || path === 'escalation_rules') return path
  if (/^tools\.\d+$/.test(path)) return 'tools'
  if (path === 'escalation_target') return 'escalation_target.id'
  const tool = /^http_tools\.(\d+)(?:\.([a-z_]+))?/.exec(path)
  if (tool) {
    const i = Number(tool[1])
    const field = tool[2]
    if (field === 'name' || field === 'description' || field === 'method' || field === 'url' || field === 'parameters') return `http_tools.${i}.${field}`
    if (field === 'headers' || field === 'secret_headers') return `http_tools.${i}.${field}`
    return `http_tools.${i}.name`
  }
  if (path === 'http_tools') return 'http_tools'
  return plainFields(path)
}
