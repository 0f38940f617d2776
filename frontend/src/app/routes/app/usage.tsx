import { createRoute } from '@tanstack/react-router'
import { usageQueryOptions } from '@/features/usage/api/get-usage'
import { loadUsageChart, resolveRange, usageSearchSchema } from '@/features/usage/usage-search'
import { appRoute } from './layout'

export const usageRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'usage',
  validateSearch: usageSearchSchema,
  loaderDeps: ({ search: { from, to } }) => ({ from, to }),
  loader: ({ context: { queryClient, tenantId }, deps }) => {
    void loadUsageChart()
    void queryClient.prefetchQuery(usageQueryOptions(tenantId, resolveRange(deps)))
  },
}).lazy(() => import('./usage.lazy').then((m) => m.Route))
