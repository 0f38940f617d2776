import { useMutation, useQueryClient, type UseMutationOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'
import type { Agent } from './get-agents'

export type AgentUpdate = components['schemas']['AgentUpdate']

export function useUpdateAgent(
  tenantId: string,
  agentId: string,
  options: Pick<UseMutationOptions<Agent, unknown, AgentUpdate>, 'onSuccess' | 'onError'> = {},
) {
  const queryClient = useQueryClient()
  return useMutation({
    ...options,
    mutationFn: async (body: AgentUpdate) =>
      dataOf(
        await api.PATCH('/api/portal/tenants/{tenant_id}/agents/{agent_id}', {
          params: { path: { tenant_id: tenantId, agent_id: agentId } },
          body,
        }),
      ),
    onSuccess: (agent, ...rest) => {
      queryClient.setQueryData(queryKeys.agent(tenantId, agentId), agent)
      void queryClient.invalidateQueries({ queryKey: queryKeys.agents(tenantId), refetchType: 'all' })
      void queryClient.invalidateQueries({ queryKey: queryKeys.readiness(tenantId) })
      return options.onSuccess?.(agent, ...rest)
    },
  })
}
