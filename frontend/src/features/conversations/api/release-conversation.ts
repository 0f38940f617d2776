import { useMutation, useQueryClient } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'

/** Ends a hand-over: the agent answers the chat user's next message. */
export function useReleaseConversation(tenantId: string, conversationId: string, { onSuccess }: { onSuccess?: () => void } = {}) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async () =>
      dataOf(
        await api.POST('/api/portal/tenants/{tenant_id}/conversations/{conversation_id}/release', {
          params: { path: { tenant_id: tenantId, conversation_id: conversationId } },
        }),
      ),
    onSuccess: (conversation) => {
      queryClient.setQueryData(queryKeys.conversation(tenantId, conversationId), conversation)
      void queryClient.invalidateQueries({ queryKey: queryKeys.conversationLists(tenantId) })
      onSuccess?.()
    },
    // Shown next to the button, never as a toast.
    onError: () => {},
  })
}
