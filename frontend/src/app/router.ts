import { createRouter } from '@tanstack/react-router'
import { createQueryClient } from '@/lib/query-client'
import { RoutePending } from './shell/route-states'
import { routeTree } from './routes/tree'

const authPaths = new Set(['/sign-in', '/sign-up'])

export const queryClient = createQueryClient({
  // The session ended (expired, revoked, signed out in another tab).
  onUnauthorized: () => {
    const { pathname, href } = router.state.location
    if (authPaths.has(pathname)) return
    queryClient.clear()
    void router.navigate({ to: '/sign-in', search: { redirect: href }, replace: true })
  },
})

export const router = createRouter({
  routeTree,
  context: { queryClient },
  defaultPreload: 'intent',
  // Loaders only start queries; TanStack Query owns caching.
  defaultPreloadStaleTime: 0,
  defaultPendingComponent: RoutePending,
  scrollRestoration: true,
})

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router
  }
}
