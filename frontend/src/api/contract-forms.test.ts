// @vitest-environment node
//
// The portal's forms and the API contract agree: for each form field that
// becomes a request field, the rules read straight from openapi.yaml (not
// from the generated Zod) decide which probe values are valid, and the form
// must decide the same. Lengths, ranges, whole numbers, precision
// (multipleOf), list sizes, patterns and enums are probed at their bounds.
// A form that keeps its own copy of a rule fails here when the copy drifts
// (a header value of 2,000 characters where the contract allows 500).
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import contractText from '../../../openapi.yaml?raw'
import type { z } from '@/lib/zod'
import { agentFormSchema, newAgentValues, newHTTPTool, type AgentFormValues } from '@/features/agents/components/agent-form-schema'
import { previewSchema } from '@/features/agents/components/agent-preview'
import { apiTokenSchema } from '@/features/api-tokens/components/api-token-schema'
import { signInSchema, signUpSchema } from '@/features/auth/components/auth-schemas'
import { testRecipientSchema, whatsAppConnectSchema } from '@/features/channels/components/whatsapp-connect-schema'
import { humanReplySchema } from '@/features/conversations/components/human-reply-form'
import { llmKeySchema, newLLMKeyValues } from '@/features/llm-keys/components/llm-key-schema'
import { addMemberSchema } from '@/features/members/components/add-member-dialog'
import { tenantNameSchema } from '@/features/tenants/components/tenant-name-schema'
import { tenantSettingsSchema } from '@/features/tenants/components/tenant-settings-schema'
import { budgetSchema } from '@/features/usage/components/budget-schema'

type Json = Record<string, unknown>
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Values = any

const spec = parse(contractText) as Json

/** The schema at a JSON pointer of openapi.yaml, $refs followed (and a nullable allOf wrapper unwrapped). */
function contract(pointer: string): Json {
  let node: unknown = spec
  for (const part of pointer.replace(/^#\//, '').split('/')) node = (node as Json)[part.replace(/~1/g, '/').replace(/~0/g, '~')]
  let s = node as Json
  for (;;) {
    if (typeof s.$ref === 'string') s = contract(s.$ref)
    else if (Array.isArray(s.allOf) && s.allOf.length === 1 && !s.properties) s = { ...(s.allOf[0] as Json), nullable: s.nullable }
    else return s
  }
}

/** Whether the contract's own rules accept v (the keywords forms can break). */
function contractAccepts(s: Json, v: unknown): boolean {
  if (v === null) return s.nullable === true
  if (Array.isArray(v)) {
    return (s.maxItems === undefined || v.length <= (s.maxItems as number)) && (s.minItems === undefined || v.length >= (s.minItems as number))
  }
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return false
    if (s.type === 'integer' && !Number.isInteger(v)) return false
    if (s.minimum !== undefined && v < (s.minimum as number)) return false
    if (s.maximum !== undefined && v > (s.maximum as number)) return false
    if (s.multipleOf !== undefined) {
      const q = v / (s.multipleOf as number)
      if (Math.abs(q - Math.round(q)) > 1e-9) return false
    }
    return true
  }
  if (typeof v === 'string') {
    const n = [...v].length
    if (s.minLength !== undefined && n < (s.minLength as number)) return false
    if (s.maxLength !== undefined && n > (s.maxLength as number)) return false
    if (s.pattern !== undefined && !new RegExp(s.pattern as string, 'u').test(v)) return false
    if (Array.isArray(s.enum) && !s.enum.includes(v)) return false
    if (s.format === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v)) return false
    return true
  }
  return true
}

interface Case {
  /** Where the rule lives in openapi.yaml. */
  pointer: string
  /** The form, a valid filling of it, and where the field is in it. */
  form: z.ZodType
  valid: Values
  path: string
  /** How a request value is typed into the form (default: as is). */
  toForm?: (v: unknown) => unknown
  /** A valid list item, in the form's shape, for list-size probes. */
  item?: (i: number) => unknown
  /** Values worth probing beyond the bounds (patterns, enums, formats). */
  samples?: unknown[]
  /** The form trims text before checking it (as the server stores it). */
  trim?: boolean
  /** The form requires a value the contract lets a request leave out (an empty string is the form's "none"). */
  formRequires?: boolean
  /** The form lets an empty value through as "none" (sent as null or left out). */
  emptyIsNone?: boolean
}

function setPath(values: Values, path: string, v: unknown): Values {
  const out = structuredClone(values)
  const keys = path.split('.')
  let node = out
  for (const k of keys.slice(0, -1)) node = node[k]
  node[keys[keys.length - 1]!] = v
  return out
}

function formAccepts(c: Case, v: unknown): boolean {
  const r = c.form.safeParse(setPath(c.valid, c.path, c.toForm ? c.toForm(v) : v))
  if (r.success) return true
  const bad = r.error.issues.filter((i) => {
    const at = i.path.join('.')
    return at === c.path || at.startsWith(c.path + '.')
  })
  expect(bad.length === r.error.issues.length, `${c.path}: ${JSON.stringify(v)} broke other fields: ${JSON.stringify(r.error.issues)}`).toBe(true)
  return false
}

/** The values to probe for a schema: each bound, one step past it, and the samples. */
function probes(s: Json, c: Case): unknown[] {
  const out: unknown[] = [...(c.samples ?? [])]
  if (s.type === 'string') {
    const fill = (n: number) => 'x'.repeat(Math.max(0, n))
    if (s.maxLength !== undefined) out.push(fill(s.maxLength as number), fill((s.maxLength as number) + 1))
    if (s.minLength !== undefined) out.push(fill(s.minLength as number), fill((s.minLength as number) - 1))
    if (Array.isArray(s.enum)) out.push(...s.enum, 'not-one-of-them')
  }
  if (s.type === 'integer' || s.type === 'number') {
    const step = (s.multipleOf as number | undefined) ?? (s.type === 'integer' ? 1 : 0.5)
    if (s.minimum !== undefined) out.push(s.minimum, (s.minimum as number) - step)
    if (s.maximum !== undefined) out.push(s.maximum, (s.maximum as number) + step)
    const base = (s.minimum as number | undefined) ?? 0
    if (s.type === 'integer') out.push(base + 0.5)
    if (s.multipleOf !== undefined) out.push(base + (s.multipleOf as number) / 10)
  }
  if (s.type === 'array' && c.item) {
    const n = (s.maxItems as number | undefined) ?? 3
    out.push(Array.from({ length: n }, (_, i) => c.item!(i)), Array.from({ length: n + 1 }, (_, i) => c.item!(i)))
  }
  return out
}

const agent = (over: Partial<AgentFormValues> = {}): AgentFormValues => ({
  ...newAgentValues,
  name: 'Ada',
  http_tools: [
    {
      ...newHTTPTool,
      name: 'get_order',
      description: 'Looks an order up',
      url: 'https://api.example.com/orders/{id}',
      headers: [{ key: 'X-Shop', value: 'acme', kept: '' }],
      secret_headers: [{ key: 'Authorization', value: 'Bearer s3cret', kept: '' }],
    },
  ],
  ...over,
})
const S = '#/components/schemas/'
const A = S + 'AgentCreate/properties/'
const T = S + 'HTTPTool/properties/'
const modelSamples = ['openai/gpt-4o-mini', 'custom/org/model.v2', 'gpt-4o', 'google/gemini', 'openai/', 'openai/-x', 'openai/has space']
const money = (v: unknown) => (v === null ? '' : String(v))

const cases: Record<string, Case> = {
  'agent name': { pointer: A + 'name', form: agentFormSchema, valid: agent(), path: 'name', trim: true, samples: [' Ada ', 'Ada\tLovelace', '\u0000'] },
  'agent role title': { pointer: A + 'role_title', form: agentFormSchema, valid: agent(), path: 'role_title', trim: true, samples: ['Support', 'two\nlines'] },
  'agent persona': { pointer: A + 'persona', form: agentFormSchema, valid: agent(), path: 'persona' },
  'agent system prompt': { pointer: A + 'system_prompt', form: agentFormSchema, valid: agent(), path: 'system_prompt' },
  'agent model': { pointer: S + 'ModelID', form: agentFormSchema, valid: agent(), path: 'model', samples: modelSamples, trim: true },
  'agent fallback models': {
    pointer: A + 'fallback_models',
    form: agentFormSchema,
    valid: agent(),
    path: 'fallback_models',
    item: (i) => ({ value: `openai/m${i}` }),
  },
  'agent fallback model': {
    pointer: S + 'ModelID',
    form: agentFormSchema,
    valid: agent({ fallback_models: [{ value: 'openai/gpt-4o' }] }),
    path: 'fallback_models.0.value',
    samples: modelSamples.filter((m) => m !== 'openai/gpt-4o-mini'),
    trim: true,
  },
  'agent temperature': { pointer: A + 'temperature', form: agentFormSchema, valid: agent(), path: 'temperature', samples: [0.25, 0.333, Number.NaN] },
  'agent reply length': { pointer: A + 'max_reply_chars', form: agentFormSchema, valid: agent(), path: 'max_reply_chars' },
  'agent window': { pointer: A + 'window_size', form: agentFormSchema, valid: agent(), path: 'window_size' },
  'agent memory': { pointer: A + 'memory_retention_days', form: agentFormSchema, valid: agent(), path: 'memory_retention_days' },
  'agent escalation rules': {
    pointer: A + 'escalation_rules',
    form: agentFormSchema,
    valid: agent(),
    path: 'escalation_rules',
    item: (i) => ({ value: `refund${i}` }),
  },
  'agent escalation rule': {
    pointer: A + 'escalation_rules/items',
    form: agentFormSchema,
    valid: agent({ escalation_rules: [{ value: 'refund' }] }),
    path: 'escalation_rules.0.value',
    trim: true,
  },
  'agent escalation target id': {
    pointer: S + 'EscalationTarget/properties/id',
    form: agentFormSchema,
    valid: agent({ escalation_target: { type: 'slack_user', id: 'U1' } }),
    path: 'escalation_target.id',
    trim: true,
  },
  'agent HTTP tools': {
    pointer: A + 'http_tools',
    form: agentFormSchema,
    valid: agent(),
    path: 'http_tools',
    item: (i) => ({ ...agent().http_tools[0]!, name: `tool_${i}` }),
  },
  'tool name': { pointer: T + 'name', form: agentFormSchema, valid: agent(), path: 'http_tools.0.name', samples: ['get_order', 'Get', '9lives', 'a'.repeat(40), 'a'.repeat(41)], trim: true },
  'tool description': { pointer: T + 'description', form: agentFormSchema, valid: agent(), path: 'http_tools.0.description', trim: true },
  'tool URL': { pointer: T + 'url', form: agentFormSchema, valid: agent(), path: 'http_tools.0.url', trim: true, toForm: (v) => (typeof v === 'string' ? 'https://' + v.slice(8) : v) },
  'tool header value': { pointer: T + 'headers/additionalProperties', form: agentFormSchema, valid: agent(), path: 'http_tools.0.headers.0.value' },
  'tool secret header value': { pointer: T + 'secret_headers/additionalProperties', form: agentFormSchema, valid: agent(), path: 'http_tools.0.secret_headers.0.value', formRequires: true },
  'preview message': { pointer: S + 'PreviewRequest/properties/message', form: previewSchema, valid: { message: 'Hi' }, path: 'message', trim: true },
  'token name': { pointer: S + 'APITokenCreate/properties/name', form: apiTokenSchema, valid: { name: 'CRM', role: 'member', expires: 'never' }, path: 'name', trim: true },
  'token role': { pointer: S + 'Role', form: apiTokenSchema, valid: { name: 'CRM', role: 'member', expires: 'never' }, path: 'role' },
  'sign-up name': { pointer: S + 'SignUpRequest/properties/name', form: signUpSchema, valid: { name: 'Ada', email: 'ada@example.com', password: 'x'.repeat(12), tenant_name: '' }, path: 'name', trim: true },
  'sign-up email': {
    pointer: S + 'SignUpRequest/properties/email',
    form: signUpSchema,
    valid: { name: 'Ada', email: 'ada@example.com', password: 'x'.repeat(12), tenant_name: '' },
    path: 'email',
    samples: ['ada@example.com', 'ada@example', 'not an email', `${'a'.repeat(240)}@example.com`, `${'a'.repeat(243)}@example.com`],
  },
  'sign-up password': { pointer: S + 'SignUpRequest/properties/password', form: signUpSchema, valid: { name: 'Ada', email: 'ada@example.com', password: 'x'.repeat(12), tenant_name: '' }, path: 'password' },
  'sign-up tenant': {
    pointer: S + 'SignUpRequest/properties/tenant_name',
    form: signUpSchema,
    valid: { name: 'Ada', email: 'ada@example.com', password: 'x'.repeat(12), tenant_name: '' },
    path: 'tenant_name',
    emptyIsNone: true,
    trim: true,
  },
  'sign-in email': { pointer: S + 'SignInRequest/properties/email', form: signInSchema, valid: { email: 'ada@example.com', password: 'pw' }, path: 'email', formRequires: true, trim: true },
  'sign-in password': { pointer: S + 'SignInRequest/properties/password', form: signInSchema, valid: { email: 'ada@example.com', password: 'pw' }, path: 'password', formRequires: true },
  'WhatsApp number id': {
    pointer: S + 'WhatsAppConnect/properties/phone_number_id',
    form: whatsAppConnectSchema,
    valid: { phone_number_id: '106540352242922', waba_id: '102290129340398', system_user_token: 'E'.repeat(30) },
    path: 'phone_number_id',
    samples: ['1234', '12345', '1'.repeat(30), '1'.repeat(31), '12a45'],
    trim: true,
  },
  'WhatsApp account id': {
    pointer: S + 'WhatsAppConnect/properties/waba_id',
    form: whatsAppConnectSchema,
    valid: { phone_number_id: '106540352242922', waba_id: '102290129340398', system_user_token: 'E'.repeat(30) },
    path: 'waba_id',
    samples: ['1234', '12345', '1'.repeat(31)],
    trim: true,
  },
  'WhatsApp token': {
    pointer: S + 'WhatsAppConnect/properties/system_user_token',
    form: whatsAppConnectSchema,
    valid: { phone_number_id: '106540352242922', waba_id: '102290129340398', system_user_token: 'E'.repeat(30) },
    path: 'system_user_token',
    trim: true,
  },
  'test recipient': { pointer: S + 'TestMessageRequest/properties/to', form: testRecipientSchema, valid: { to: '+16505551234' }, path: 'to', samples: ['+16505551234', '12345', '1234567', '+'.concat('1'.repeat(20)), '1'.repeat(21)] },
  'budget limit': {
    pointer: S + 'BudgetUpdate/properties/limit_usd',
    form: budgetSchema,
    valid: { limit: '250', action: 'notify' },
    path: 'limit',
    toForm: money,
    samples: [0.29, 0.001, 12.345, 99.5, null],
    emptyIsNone: true,
  },
  'budget action': { pointer: S + 'BudgetUpdate/properties/action', form: budgetSchema, valid: { limit: '', action: 'notify' }, path: 'action' },
  'tenant budget': {
    pointer: S + 'TenantUpdate/properties/budget_limit_usd',
    form: tenantSettingsSchema,
    valid: { name: 'Acme', budget_limit_usd: '' },
    path: 'budget_limit_usd',
    toForm: money,
    samples: [0.29, 0.001, null],
    emptyIsNone: true,
  },
  'tenant name (settings)': { pointer: S + 'TenantUpdate/properties/name', form: tenantSettingsSchema, valid: { name: 'Acme', budget_limit_usd: '' }, path: 'name', trim: true },
  'tenant name (new)': { pointer: S + 'TenantCreate/properties/name', form: tenantNameSchema, valid: { name: 'Acme' }, path: 'name', trim: true },
  'human reply': { pointer: S + 'HumanReply/properties/text', form: humanReplySchema, valid: { text: 'Hi' }, path: 'text', trim: true },
  'member email': { pointer: S + 'MemberCreate/properties/email', form: addMemberSchema, valid: { email: 'grace@example.com', role: 'member' }, path: 'email', samples: ['grace@example.com', 'grace'] },
  'member role': { pointer: S + 'Role', form: addMemberSchema, valid: { email: 'grace@example.com', role: 'member' }, path: 'role' },
  'LLM key label': { pointer: S + 'LLMKeyCreate/properties/label', form: llmKeySchema, valid: { ...newLLMKeyValues, label: 'Main', api_key: 'sk-1' }, path: 'label', trim: true },
  'LLM key': { pointer: S + 'LLMKeyCreate/properties/api_key', form: llmKeySchema, valid: { ...newLLMKeyValues, label: 'Main', api_key: 'sk-1' }, path: 'api_key', trim: true },
  'LLM key base URL': {
    pointer: S + 'LLMKeyCreate/properties/base_url',
    form: llmKeySchema,
    valid: { ...newLLMKeyValues, label: 'Main', api_key: 'sk-1' },
    path: 'base_url',
    toForm: (v) => (typeof v === 'string' ? 'https://' + v.slice(8) : v),
  },
}

describe('forms agree with openapi.yaml', () => {
  it.each(Object.entries(cases))('%s', (_, c) => {
    const rule = contract(c.pointer)
    expect(c.form.safeParse(c.valid).success, `the valid filling of ${c.path} is valid`).toBe(true)
    const values = probes(rule, c)
    expect(values.length, `${c.pointer} has rules to probe`).toBeGreaterThan(0)
    for (const v of values) {
      const text = typeof v === 'string' && c.toForm ? (c.toForm(v) as string) : v
      const seen = typeof text === 'string' && c.trim ? text.trim() : text
      let want = contractAccepts(rule, seen)
      if (c.formRequires && seen === '') want = false
      if (c.emptyIsNone && (seen === '' || seen === null)) want = true
      if (!c.emptyIsNone && c.trim && typeof v === 'string' && v !== '' && seen === '') want = contractAccepts(rule, seen)
      expect(formAccepts(c, v), `${c.path} = ${JSON.stringify(v).slice(0, 60)}: the contract says ${want ? 'valid' : 'invalid'}`).toBe(want)
    }
  })

  it('fails when a form keeps a rule of its own (the header value the contract caps at 500)', () => {
    const c = cases['tool header value']!
    const rule = contract(c.pointer)
    expect(rule.maxLength).toBe(500)
    const drifted = { ...rule, maxLength: 2000 } // what the portal used to allow
    const v = 'x'.repeat(1000)
    expect(contractAccepts(drifted, v)).not.toBe(formAccepts(c, v))
  })
})
