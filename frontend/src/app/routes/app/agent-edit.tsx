import { createRoute } from '@tanstack/react-router'
import { agentQueryOptions } from '@/features/agents/api/get-agent'
import { appRoute } from './layout'

export const agentEditRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'agents/$agentId',
  loader: ({ context: { queryClient, tenantId }, params }) => void queryClient.prefetchQuery(agentQueryOptions(tenantId, params.agentId)),
}).lazy(() => import('./agent-edit.lazy').then((m) => m.Route))
