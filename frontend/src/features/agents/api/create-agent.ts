import { useMutation, useQueryClient, type UseMutationOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'
import type { Agent } from './get-agents'

export type AgentCreate = components['schemas']['AgentCreate']

export function useCreateAgent(tenantId: string, options: Pick<UseMutationOptions<Agent, unknown, AgentCreate>, 'onSuccess' | 'onError'> = {}) {
  const queryClient = useQueryClient()
  return useMutation({
    ...options,
    mutationFn: async (body: AgentCreate) =>
      dataOf(
        await api.POST('/api/portal/tenants/{tenant_id}/agents', {
          params: { path: { tenant_id: tenantId } },
          body,
        }),
      ),
    onSuccess: async (agent, ...rest) => {
      queryClient.setQueryData(queryKeys.agent(tenantId, agent.id), agent)
      // The list is not on screen while the form is, so refetch it now
      // (not on its next mount): the page shown next must already include it.
      await queryClient.invalidateQueries({ queryKey: queryKeys.agents(tenantId), refetchType: 'all' })
      void queryClient.invalidateQueries({ queryKey: queryKeys.readiness(tenantId) })
      return options.onSuccess?.(agent, ...rest)
    },
  })
}
