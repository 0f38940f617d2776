import { createLazyRoute, Link, useRouter } from '@tanstack/react-router'
import { AuthCard } from '@/features/auth/components/auth-card'
import { SignInForm } from '@/features/auth/components/sign-in-form'
import { safeRedirect } from '@/lib/safe-redirect'

export const Route = createLazyRoute('/sign-in')({ component: SignInPage })

function SignInPage() {
  const { redirect } = Route.useSearch()
  const router = useRouter()
  return (
    <AuthCard
      title="Sign in"
      subtitle="Welcome back."
      footer={
        <>
          New to Konstruct?{' '}
          <Link to="/sign-up" className="font-medium text-brand-700 hover:underline">
            Create an account
          </Link>
        </>
      }
    >
      <SignInForm onSignedIn={() => void router.navigate({ href: safeRedirect(redirect), replace: true })} />
    </AuthCard>
  )
}
