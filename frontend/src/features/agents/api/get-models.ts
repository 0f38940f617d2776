import { queryOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'

export type Model = components['schemas']['Model']

/** The models agents may choose, each marked available or not (with why). */
export function modelsQueryOptions(tenantId: string) {
  return queryOptions({
    queryKey: queryKeys.models(tenantId),
    queryFn: async ({ signal }) =>
      dataOf(await api.GET('/api/portal/tenants/{tenant_id}/models', { params: { path: { tenant_id: tenantId } }, signal })).items,
  })
}

export type ModelState = { tone: 'ok' | 'warn'; text: string }

/**
 * What the picker says under a model id: who can call it, or why nothing
 * can. A custom server's models are not listed, so they are taken on trust.
 */
export function modelState(id: string, models: readonly Model[]): ModelState | null {
  const value = id.trim()
  if (!value) return null
  const m = models.find((x) => x.id === value)
  if (m) {
    if (!m.available) return { tone: 'warn', text: m.reason ?? 'No key can call this model.' }
    const whose = m.key_source === 'tenant' ? 'your own key' : 'the platform’s key'
    return { tone: 'ok', text: `Available with ${whose}.${m.priced ? '' : ' Not in the pricing table: its cost is not counted.'}` }
  }
  if (value.startsWith('custom/')) return { tone: 'ok', text: 'A model of your custom server: checked when it first answers.' }
  const provider = value.split('/')[0]
  if (provider === 'openai' || provider === 'anthropic') {
    return { tone: 'warn', text: `Not a model Konstruct knows ${provider === 'openai' ? 'OpenAI' : 'Anthropic'} offers: check the spelling, or pick one from the list.` }
  }
  return null
}
