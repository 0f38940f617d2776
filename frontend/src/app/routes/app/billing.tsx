import { createRoute } from '@tanstack/react-router'
import { billingQueryOptions } from '@/features/billing/api/get-billing'
import { z } from '@/lib/zod'
import { appRoute } from './layout'

export const billingRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'billing',
  // Stripe sends the operator back with `?checkout=success|canceled` (and a session id we do not need).
  validateSearch: z.object({ checkout: z.enum(['success', 'canceled']).optional().catch(undefined) }),
  loader: ({ context: { queryClient, tenantId } }) => void queryClient.prefetchQuery(billingQueryOptions(tenantId)),
}).lazy(() => import('./billing.lazy').then((m) => m.Route))
