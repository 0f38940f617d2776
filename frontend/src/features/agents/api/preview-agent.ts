import { useMutation } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import type { components } from '@/api/schema.gen'

export type PreviewRequest = components['schemas']['PreviewRequest']
export type PreviewResult = components['schemas']['PreviewResult']

/** One turn of the saved agent on a typed message (audited and counted in usage like any turn). */
export function usePreviewAgent(tenantId: string, agentId: string) {
  return useMutation({
    mutationFn: async (body: PreviewRequest) =>
      dataOf(
        await api.POST('/api/portal/tenants/{tenant_id}/agents/{agent_id}/preview', {
          params: { path: { tenant_id: tenantId, agent_id: agentId } },
          body,
        }),
      ),
    // Shown in the pane, not as a toast.
    onError: () => {},
  })
}
