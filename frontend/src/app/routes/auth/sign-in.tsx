import { createRoute, redirect } from '@tanstack/react-router'
import { z } from '@/lib/zod'
import { queryKeys } from '@/api/query-keys'
import { rootRoute } from '../root'

export const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'sign-in',
  validateSearch: z.object({ redirect: z.string().max(2000).optional().catch(undefined) }),
  beforeLoad: ({ context }) => {
    // Already signed in (in this tab's memory): nothing to do here.
    if (context.queryClient.getQueryData(queryKeys.me)) throw redirect({ to: '/' })
  },
}).lazy(() => import('./sign-in.lazy').then((m) => m.Route))
