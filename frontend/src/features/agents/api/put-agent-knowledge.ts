import { useMutation, useQueryClient, type UseMutationOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { AgentKnowledge, AgentKnowledgeUpdate } from './get-agent-knowledge'

/** Replaces the agent's sources, budget and "when unknown" (owners and admins). */
export function usePutAgentKnowledge(
  tenantId: string,
  agentId: string,
  options: Pick<UseMutationOptions<AgentKnowledge, unknown, AgentKnowledgeUpdate>, 'onSuccess' | 'onError'> = {},
) {
  const queryClient = useQueryClient()
  return useMutation({
    ...options,
    mutationFn: async (body: AgentKnowledgeUpdate) =>
      dataOf(
        await api.PUT('/api/portal/tenants/{tenant_id}/agents/{agent_id}/knowledge', {
          params: { path: { tenant_id: tenantId, agent_id: agentId } },
          body,
        }),
      ),
    onSuccess: (saved, ...rest) => {
      queryClient.setQueryData(queryKeys.agentKnowledge(tenantId, agentId), saved)
      return options.onSuccess?.(saved, ...rest)
    },
  })
}
