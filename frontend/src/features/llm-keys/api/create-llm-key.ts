import { useMutation, useQueryClient, type UseMutationOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'
import type { LLMKey } from './get-llm-keys'

export type LLMKeyCreate = components['schemas']['LLMKeyCreate']

export interface CreateLLMKeyInput {
  body: LLMKeyCreate
  /** Ask the provider to accept the key before it is stored. */
  verify: boolean
}

export function useCreateLLMKey(
  tenantId: string,
  options: Pick<UseMutationOptions<LLMKey, unknown, CreateLLMKeyInput>, 'onSuccess' | 'onError'> = {},
) {
  const queryClient = useQueryClient()
  return useMutation({
    ...options,
    mutationFn: async ({ body, verify }: CreateLLMKeyInput) =>
      dataOf(
        await api.POST('/api/portal/tenants/{tenant_id}/llm-keys', {
          params: { path: { tenant_id: tenantId }, query: { verify } },
          body,
        }),
      ),
    onSuccess: (key, ...rest) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.llmKeys(tenantId) })
      void queryClient.invalidateQueries({ queryKey: queryKeys.readiness(tenantId) })
      void queryClient.invalidateQueries({ queryKey: queryKeys.models(tenantId) })
      return options.onSuccess?.(key, ...rest)
    },
  })
}
