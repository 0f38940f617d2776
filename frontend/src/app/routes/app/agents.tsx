import { createRoute } from '@tanstack/react-router'
import { agentsQueryOptions } from '@/features/agents/api/get-agents'
import { appRoute } from './layout'

export const agentsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'agents',
  loader: ({ context: { queryClient, tenantId } }) => void queryClient.prefetchInfiniteQuery(agentsQueryOptions(tenantId)),
}).lazy(() => import('./agents.lazy').then((m) => m.Route))
