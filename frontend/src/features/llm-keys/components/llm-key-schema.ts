import type { FieldPath } from 'react-hook-form'
import { z } from '@/lib/zod'
import type { components } from '@/api/schema.gen'

type Provider = components['schemas']['LLMKeyCreate']['provider']

export const providers: ReadonlyArray<{ value: Provider; label: string; description: string }> = [
  { value: 'openai', label: 'OpenAI', description: 'api.openai.com' },
  { value: 'anthropic', label: 'Anthropic', description: 'api.anthropic.com' },
  { value: 'custom', label: 'Custom', description: 'Any OpenAI-compatible server (Ollama, vLLM, OpenRouter…)' },
]

export function providerLabel(p: string): string {
  return providers.find((x) => x.value === p)?.label ?? p
}

export const llmKeySchema = z
  .object({
    provider: z.enum(['openai', 'anthropic', 'custom']),
    label: z.string().trim().min(3, 'At least 3 characters').max(100, 'At most 100 characters'),
    api_key: z.string().trim().min(1, 'Paste the API key').max(1000, 'At most 1,000 characters'),
    base_url: z.string().trim().max(500, 'At most 500 characters'),
    verify: z.boolean(),
  })
  .superRefine((v, ctx) => {
    if (v.provider !== 'custom') return
    if (v.base_url === '') {
      ctx.addIssue({ code: 'custom', path: ['base_url'], message: 'A custom provider needs its OpenAI-compatible base URL' })
    } else if (!/^https?:\/\/[^\s/]+/.test(v.base_url)) {
      ctx.addIssue({ code: 'custom', path: ['base_url'], message: 'Enter an http(s) URL, e.g. https://llm.example.com/v1' })
    }
  })

export type LLMKeyValues = z.infer<typeof llmKeySchema>

export const newLLMKeyValues: LLMKeyValues = { provider: 'openai', label: '', api_key: '', base_url: '', verify: true }

/** The request for the form's values: the base URL goes only with Custom. */
export function llmKeyRequest(v: LLMKeyValues): { body: components['schemas']['LLMKeyCreate']; verify: boolean } {
  return {
    body: { provider: v.provider, label: v.label, api_key: v.api_key, ...(v.provider === 'custom' ? { base_url: v.base_url } : {}) },
    verify: v.verify,
  }
}

export function llmKeyFieldFor(path: string): FieldPath<LLMKeyValues> | undefined {
  return path === 'provider' || path === 'label' || path === 'api_key' || path === 'base_url' ? path : undefined
}
