import { useMutation, useQueryClient, type UseMutationOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'
import type { KnowledgeSource } from './get-sources'

export type KnowledgeGapAnswer = components['schemas']['KnowledgeGapAnswer']
type Callbacks<T, V> = Pick<UseMutationOptions<T, unknown, V>, 'onSuccess' | 'onError'>

/** Answers a gap: the server makes a snippet source of it and marks the gap answered. */
export function useAnswerGap(tenantId: string, gapId: string, options: Callbacks<KnowledgeSource, KnowledgeGapAnswer> = {}) {
  const queryClient = useQueryClient()
  return useMutation({
    ...options,
    mutationFn: async (body: KnowledgeGapAnswer) =>
      dataOf(
        await api.POST('/api/portal/tenants/{tenant_id}/knowledge/gaps/{gap_id}/answer', {
          params: { path: { tenant_id: tenantId, gap_id: gapId } },
          body,
        }),
      ),
    onSuccess: (data, ...rest) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.knowledge(tenantId) })
      return options.onSuccess?.(data, ...rest)
    },
  })
}

export function useDismissGap(tenantId: string, options: Callbacks<void, string> = {}) {
  const queryClient = useQueryClient()
  return useMutation({
    ...options,
    mutationFn: async (gapId: string) => {
      await api.DELETE('/api/portal/tenants/{tenant_id}/knowledge/gaps/{gap_id}', { params: { path: { tenant_id: tenantId, gap_id: gapId } } })
    },
    onSuccess: (data, ...rest) => {
      void queryClient.invalidateQueries({ queryKey: ['tenants', tenantId, 'knowledge', 'gaps'] })
      return options.onSuccess?.(data, ...rest)
    },
  })
}
