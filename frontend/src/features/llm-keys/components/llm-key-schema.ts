import type { FieldPath } from 'react-hook-form'
import { z } from '@/lib/zod'
import { required, rule } from '@/api/contract-rules'
import type { components } from '@/api/schema.gen'
import { zLlmKeyCreate } from '@/api/zod.gen'

const K = zLlmKeyCreate.shape

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
    provider: K.provider,
    label: rule(K.label, {}, { trim: true }),
    api_key: rule(K.api_key, { required: 'Paste the API key' }, { trim: true }),
    // Required only for custom (a rule across fields, below).
    base_url: z.string().trim().pipe(rule(required(K.base_url))),
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
