import type { QueryClient } from '@tanstack/react-query'
import { createRootRouteWithContext, Outlet } from '@tanstack/react-router'
import { useFocusHeadingOnNavigation } from '@/app/shell/focus'
import { NotFound, RouteError, RoutePending } from '@/app/shell/route-states'

export interface RouterContext {
  queryClient: QueryClient
}

export const Route = createRootRouteWithContext<RouterContext>()({
  component: Root,
  notFoundComponent: NotFound,
  errorComponent: RouteError,
  pendingComponent: RoutePending,
})

function Root() {
  useFocusHeadingOnNavigation()
  return <Outlet />
}
