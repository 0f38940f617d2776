import { z } from '@/lib/zod'
import type { FieldPath } from 'react-hook-form'
import { element, precision, rows, rule, required } from '@/api/contract-rules'
import type { components } from '@/api/schema.gen'
import { zAgentCreate, zEscalationTarget, zHttpTool, zModelId } from '@/api/zod.gen'
import { sameNames } from '@/lib/form-problem'

type Agent = components['schemas']['Agent']
type AgentFields = components['schemas']['AgentCreate']
type Tool = NonNullable<AgentFields['tools']>[number]
type EscalationTargetType = components['schemas']['EscalationTarget']['type']
type HTTPTool = components['schemas']['HTTPTool']

// Each field's rule comes from openapi.yaml (zod.gen.ts); only the wording,
// the form's own shapes (rows for lists, text for JSON) and the rules across
// fields are written here.
const A = zAgentCreate.shape
const T = zHttpTool.shape

export const MAX_HTTP_TOOLS = 10
export const httpMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const

/** A stored secret header comes back masked, like `••••abcd`. */
export const MASK_PREFIX = '••••'

const headerName = z
  .string()
  .trim()
  .min(1, 'Name the header')
  .max(100, 'At most 100 characters')
  .regex(/^[A-Za-z0-9-]+$/, 'Letters, digits and dashes only')

/** A header row: the value's rule is the contract's for that kind of header. */
const headerRow = (value: z.ZodType<string, string>) =>
  z.object({
    key: headerName,
    value: rule(value),
    /** The masked stored value of a secret header; sent back unchanged to keep it. */
    kept: z.string(),
  })

const httpToolSchema = z
  .object({
    name: rule(T.name, { format: 'Lowercase letters, digits and _, starting with a letter (e.g. get_order_status)' }, { trim: true }),
    description: rule(T.description, { required: 'Say when the agent should call it' }, { trim: true }),
    method: z.enum(httpMethods),
    url: rule(T.url, { tooSmall: 'Enter the URL' }, { trim: true }).refine((v) => /^https?:\/\//.test(v), 'Use an http(s) URL'),
    parameters: z.string().max(20000, 'At most 20,000 characters'),
    headers: z.array(headerRow(element(T.headers))),
    secret_headers: z.array(headerRow(element(T.secret_headers))),
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

const modelId = rule(
  zModelId,
  { required: 'Enter a model', format: 'Use provider/model, where provider is openai, anthropic or custom (e.g. openai/gpt-4o-mini)' },
  { trim: true },
)

const number = <S extends z.ZodType<number | null | undefined>>(contract: S, label: string) =>
  rule(required(contract), { type: `Enter a number for ${label}`, integer: `${label} must be a whole number` })

// Lists are arrays of objects because react-hook-form's field arrays need
// objects to keep a stable identity per row.
export const agentFormSchema = z
  .object({
    name: rule(A.name, { required: 'Give the agent a name' }, { trim: true }),
    role_title: rule(required(A.role_title), { format: 'One line only' }, { trim: true }),
    persona: rule(required(A.persona)),
    system_prompt: rule(required(A.system_prompt)),
    model: modelId,
    fallback_models: rows(A.fallback_models, z.object({ value: modelId }), { tooBig: `At most ${MAX_FALLBACK_MODELS} fallback models` }),
    // multipleOf 0.01 in the contract; the generator does not carry it.
    temperature: precision(required(A.temperature), 0.01, { type: 'Enter a number for Temperature' }),
    max_reply_chars: number(A.max_reply_chars, 'Reply length'),
    window_size: number(A.window_size, 'Window size'),
    tools: z.array(element(A.tools)),
    escalation_rules: rows(A.escalation_rules, z.object({ value: rule(element(A.escalation_rules), { required: 'Write a rule or remove it' }, { trim: true }) }), {
      tooBig: `At most ${MAX_ESCALATION_RULES} rules`,
    }),
    escalation_target: z.object({
      type: z.enum(['none', 'slack_user', 'slack_channel']),
      id: z.string().trim(),
    }),
    pinned_keys: z.object({ openai: z.string(), anthropic: z.string(), custom: z.string() }),
    http_tools: rows(A.http_tools, httpToolSchema, { tooBig: `At most ${MAX_HTTP_TOOLS} HTTP tools` }),
    memory_forever: z.boolean(),
    memory_retention_days: number(A.memory_retention_days, 'Memory'),
    is_active: z.boolean(),
  })
  .superRefine((v, ctx) => {
    const seen = new Map<string, number>()
    v.fallback_models.forEach((m, i) => {
      const first = seen.get(m.value)
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['fallback_models', i, 'value'], message: `Same as fallback #${first + 1}` })
      else seen.set(m.value, i)
    })
    // The target's id follows its rule only when someone is to be told.
    if (v.escalation_target.type !== 'none') {
      const id = zEscalationTarget.shape.id.safeParse(v.escalation_target.id)
      if (!id.success) {
        ctx.addIssue({
          code: 'custom',
          path: ['escalation_target', 'id'],
          message:
            v.escalation_target.id === ''
              ? v.escalation_target.type === 'slack_user'
                ? 'Enter the Slack user id (like U024BE7LH)'
                : 'Enter the Slack channel id (like C024BE91L)'
              : 'At most 40 characters, one line',
        })
      }
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
