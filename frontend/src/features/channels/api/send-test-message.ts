import { useMutation, useQueryClient } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'

export type TestMessageRequest = components['schemas']['TestMessageRequest']
export type TestMessageResult = components['schemas']['TestMessageResult']

/** Sends a real message through a connection; the result is recorded on it. */
export function useSendTestMessage(tenantId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (body: TestMessageRequest) =>
      dataOf(await api.POST('/api/portal/channels/{tenant_id}/test', { params: { path: { tenant_id: tenantId } }, body })),
    // Shown in place by the caller, never as a toast.
    onError: () => {},
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.connections(tenantId) })
      void queryClient.invalidateQueries({ queryKey: queryKeys.readiness(tenantId) })
    },
  })
}
