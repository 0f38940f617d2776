import { createRoute } from '@tanstack/react-router'
import { conversationQueryOptions, messagesQueryOptions } from '@/features/conversations/api/get-conversation'
import { conversationsQueryOptions } from '@/features/conversations/api/get-conversations'
import { conversationsSearchSchema } from '@/features/conversations/conversations-search'
import { appRoute } from './layout'

export const conversationsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'conversations',
  validateSearch: conversationsSearchSchema,
  loaderDeps: ({ search: { status, channel, flagged } }) => ({ status, channel, flagged }),
  loader: ({ context: { queryClient, tenantId }, deps }) => void queryClient.prefetchInfiniteQuery(conversationsQueryOptions(tenantId, deps)),
}).lazy(() => import('./conversations.lazy').then((m) => m.Route))

export const conversationRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'conversations/$conversationId',
  loader: ({ context: { queryClient, tenantId }, params }) => {
    void queryClient.prefetchQuery(conversationQueryOptions(tenantId, params.conversationId))
    void queryClient.prefetchInfiniteQuery(messagesQueryOptions(tenantId, params.conversationId))
  },
}).lazy(() => import('./conversation.lazy').then((m) => m.Route))
