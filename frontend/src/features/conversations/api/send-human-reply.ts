import { useMutation, useQueryClient, type UseMutationOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { Message } from './get-conversation'

export function useSendHumanReply(
  tenantId: string,
  conversationId: string,
  options: Pick<UseMutationOptions<Message, unknown, string>, 'onSuccess' | 'onError'> = {},
) {
  const queryClient = useQueryClient()
  return useMutation({
    ...options,
    mutationFn: async (text: string) =>
      dataOf(
        await api.POST('/api/portal/tenants/{tenant_id}/conversations/{conversation_id}/messages/human', {
          params: { path: { tenant_id: tenantId, conversation_id: conversationId } },
          body: { text },
        }),
      ),
    onSuccess: (message, ...rest) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.messages(tenantId, conversationId) })
      void queryClient.invalidateQueries({ queryKey: queryKeys.conversationLists(tenantId) })
      return options.onSuccess?.(message, ...rest)
    },
  })
}
