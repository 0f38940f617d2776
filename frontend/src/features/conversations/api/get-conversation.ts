import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'

export type Message = components['schemas']['Message']

export function conversationQueryOptions(tenantId: string, conversationId: string) {
  return queryOptions({
    queryKey: queryKeys.conversation(tenantId, conversationId),
    queryFn: async ({ signal }) =>
      dataOf(
        await api.GET('/api/portal/tenants/{tenant_id}/conversations/{conversation_id}', {
          params: { path: { tenant_id: tenantId, conversation_id: conversationId } },
          signal,
        }),
      ),
  })
}

/** Pages come newest first; the thread shows them oldest first. */
export function messagesQueryOptions(tenantId: string, conversationId: string) {
  return infiniteQueryOptions({
    queryKey: queryKeys.messages(tenantId, conversationId),
    queryFn: async ({ pageParam, signal }) =>
      dataOf(
        await api.GET('/api/portal/tenants/{tenant_id}/conversations/{conversation_id}/messages', {
          params: { path: { tenant_id: tenantId, conversation_id: conversationId }, query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    initialPageParam: '',
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    select: (data) => ({ messages: data.pages.flatMap((p) => p.items).reverse() }),
  })
}
