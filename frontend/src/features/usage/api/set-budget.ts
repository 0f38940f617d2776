import { useMutation, useQueryClient, type UseMutationOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'

export type BudgetUpdate = components['schemas']['BudgetUpdate']
type Budget = components['schemas']['Budget']

export function useSetBudget(tenantId: string, options: Pick<UseMutationOptions<Budget, unknown, BudgetUpdate>, 'onSuccess' | 'onError'> = {}) {
  const queryClient = useQueryClient()
  return useMutation({
    ...options,
    mutationFn: async (body: BudgetUpdate) =>
      dataOf(await api.PUT('/api/portal/tenants/{tenant_id}/budget', { params: { path: { tenant_id: tenantId } }, body })),
    onSuccess: (budget, ...rest) => {
      // The budget shows on every usage range and on the dashboard (the tenant's limit), and can stop agents (billing).
      void queryClient.invalidateQueries({ queryKey: queryKeys.usageAll(tenantId) })
      void queryClient.invalidateQueries({ queryKey: queryKeys.tenant(tenantId) })
      void queryClient.invalidateQueries({ queryKey: queryKeys.billing(tenantId) })
      return options.onSuccess?.(budget, ...rest)
    },
  })
}
