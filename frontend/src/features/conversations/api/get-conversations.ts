import { infiniteQueryOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'
import { conversationFilters, type ConversationsSearch } from '../conversations-search'

export type Conversation = components['schemas']['Conversation']

export function conversationsQueryOptions(tenantId: string, search: ConversationsSearch) {
  return infiniteQueryOptions({
    queryKey: queryKeys.conversations(tenantId, conversationFilters(search)),
    queryFn: async ({ pageParam, signal }) =>
      dataOf(
        await api.GET('/api/portal/tenants/{tenant_id}/conversations', {
          params: {
            path: { tenant_id: tenantId },
            query: {
              limit: 25,
              ...(pageParam ? { cursor: pageParam } : {}),
              ...(search.status ? { status: search.status } : {}),
              ...(search.channel ? { channel_type: search.channel } : {}),
              ...(search.flagged ? { flagged: true } : {}),
            },
          },
          signal,
        }),
      ),
    initialPageParam: '',
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    select: (data) => ({ conversations: data.pages.flatMap((p) => p.items), hasMore: data.pages.at(-1)?.next_cursor != null }),
  })
}
