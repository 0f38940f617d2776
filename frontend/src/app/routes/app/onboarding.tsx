import { createRoute } from '@tanstack/react-router'
import { agentsQueryOptions } from '@/features/agents/api/get-agents'
import { connectionsQueryOptions } from '@/features/channels/api/get-connections'
import { onboardingSearchSchema } from '@/features/onboarding/onboarding-search'
import { appRoute } from './layout'

export const onboardingRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'onboarding',
  validateSearch: onboardingSearchSchema,
  loader: ({ context: { queryClient, tenantId } }) => {
    void queryClient.prefetchInfiniteQuery(connectionsQueryOptions(tenantId))
    void queryClient.prefetchInfiniteQuery(agentsQueryOptions(tenantId))
  },
}).lazy(() => import('./onboarding.lazy').then((m) => m.Route))
