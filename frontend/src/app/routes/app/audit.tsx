import { createRoute } from '@tanstack/react-router'
import { auditEventsQueryOptions } from '@/features/audit/api/get-audit-events'
import { auditSearchSchema } from '@/features/audit/audit-search'
import { appRoute } from './layout'

export const auditRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'audit',
  validateSearch: auditSearchSchema,
  loaderDeps: ({ search: { action, actor, range, since, until } }) => ({ action, actor, range, since, until }),
  loader: ({ context: { queryClient, tenantId }, deps }) => void queryClient.prefetchInfiniteQuery(auditEventsQueryOptions(tenantId, deps)),
}).lazy(() => import('./audit.lazy').then((m) => m.Route))
