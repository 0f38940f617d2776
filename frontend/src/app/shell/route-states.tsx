import { useQueryErrorResetBoundary } from '@tanstack/react-query'
import { Link, useRouter, type ErrorComponentProps } from '@tanstack/react-router'
import { useEffect } from 'react'
import { buttonClass } from '@/components/ui/button'
import { ErrorState } from '@/components/ui/error-state'
import { ListSkeleton } from '@/components/ui/skeleton'

export function NotFound() {
  return (
    <div className="flex min-h-[60dvh] flex-col items-center justify-center px-4 text-center">
      <p className="text-sm font-semibold text-brand-700">404</p>
      <h1 className="mt-2 text-xl font-semibold text-zinc-900">Page not found</h1>
      <p className="mt-2 text-sm text-zinc-600">The page you asked for doesn’t exist or was moved.</p>
      <Link to="/" className={buttonClass('secondary', 'md', 'mt-6')}>
        Back to the dashboard
      </Link>
    </div>
  )
}

/**
 * What any page shows when its code or data could not be loaded: the
 * problem's own words and a retry that runs the route's loader again (and
 * lets suspended queries fetch again). Inside the shell, the sidebar stays.
 */
export function RouteError({ error, reset }: ErrorComponentProps) {
  const router = useRouter()
  const queryReset = useQueryErrorResetBoundary()
  useEffect(() => queryReset.reset(), [queryReset])
  return (
    <div className="mx-auto max-w-lg py-10">
      <h1 className="sr-only">Something went wrong</h1>
      <ErrorState
        error={error}
        onRetry={() => {
          reset()
          void router.invalidate()
        }}
      />
    </div>
  )
}

/** Shown while a page's code and data load (after a short delay, so fast pages never flash it). */
export function RoutePending() {
  return (
    <div className="py-2">
      <ListSkeleton label="Loading page" />
    </div>
  )
}
