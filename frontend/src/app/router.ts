import { createRouter } from '@tanstack/react-router'
import { createQueryClient } from '@/lib/query-client'
import { NotFound, RouteError, RoutePending } from './shell/route-states'
import { routeTree } from './routeTree.gen'

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
  // Loaders ensure the page's queries; TanStack Query owns caching, so the
  // router never keeps loader data of its own.
  defaultPreloadStaleTime: 0,
  // Every page shows the same skeleton while its code and data load, and the
  // same error panel (with a retry) when a read fails: pages only render data.
  defaultPendingComponent: RoutePending,
  defaultErrorComponent: RouteError,
  defaultNotFoundComponent: NotFound,
  scrollRestoration: true,
})

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router
  }
}
