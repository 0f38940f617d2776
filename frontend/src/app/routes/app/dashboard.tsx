import { createRoute } from '@tanstack/react-router'
import { agentsQueryOptions } from '@/features/agents/api/get-agents'
import { connectionsQueryOptions } from '@/features/channels/api/get-connections'
import { conversationsQueryOptions } from '@/features/conversations/api/get-conversations'
import { membersQueryOptions } from '@/features/members/api/get-members'
import { tenantQueryOptions } from '@/features/tenants/api/get-tenant'
import { appRoute } from './layout'

export const dashboardRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/',
  // Start the reads while the page's code loads; the page shows skeletons until they land.
  loader: ({ context: { queryClient, tenantId } }) => {
    void queryClient.prefetchInfiniteQuery(agentsQueryOptions(tenantId))
    void queryClient.prefetchQuery(tenantQueryOptions(tenantId))
    void queryClient.prefetchInfiniteQuery(membersQueryOptions(tenantId))
    void queryClient.prefetchInfiniteQuery(connectionsQueryOptions(tenantId))
    void queryClient.prefetchInfiniteQuery(conversationsQueryOptions(tenantId, { status: 'escalated' }))
    void queryClient.prefetchInfiniteQuery(conversationsQueryOptions(tenantId, { flagged: true }))
  },
}).lazy(() => import('./dashboard.lazy').then((m) => m.Route))
