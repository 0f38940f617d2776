import { createRoute, redirect } from '@tanstack/react-router'
import { queryKeys } from '@/api/query-keys'
import { rootRoute } from '../root'

export const signUpRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'sign-up',
  beforeLoad: ({ context }) => {
    if (context.queryClient.getQueryData(queryKeys.me)) throw redirect({ to: '/' })
  },
}).lazy(() => import('./sign-up.lazy').then((m) => m.Route))
