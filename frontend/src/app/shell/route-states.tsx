import { Link, useRouter, type ErrorComponentProps } from '@tanstack/react-router'
import { buttonClass, Button } from '@/components/ui/button'
import { ErrorState } from '@/components/ui/error-state'
import { ListSkeleton } from '@/components/ui/skeleton'

export function NotFound() {
  return (
    <div className="flex min-h-[60dvh] flex-col items-center justify-center px-4 text-center">
      <p className="text-sm font-semibold text-brand-600">404</p>
      <h1 className="mt-2 text-xl font-semibold text-zinc-900">Page not found</h1>
      <p className="mt-2 text-sm text-zinc-600">The page you asked for doesn’t exist or was moved.</p>
      <Link to="/" className={buttonClass('secondary', 'md', 'mt-6')}>
        Back to the dashboard
      </Link>
    </div>
  )
}

export function RouteError({ error, reset }: ErrorComponentProps) {
  const router = useRouter()
  return (
    <div className="mx-auto max-w-lg px-4 py-16">
      <ErrorState error={error} />
      <div className="mt-4 flex justify-center">
        <Button
          variant="secondary"
          onClick={() => {
            reset()
            void router.invalidate()
          }}
        >
          Reload this page
        </Button>
      </div>
    </div>
  )
}

export function RoutePending() {
  return (
    <div className="p-6">
      <ListSkeleton />
    </div>
  )
}
