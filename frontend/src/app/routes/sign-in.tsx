import { createFileRoute, Link, redirect, useRouter } from '@tanstack/react-router'
import { queryKeys } from '@/api/query-keys'
import { AuthCard } from '@/features/auth/components/auth-card'
import { SignInForm } from '@/features/auth/components/sign-in-form'
import { authSearchSchema } from '@/features/auth/auth-search'
import { safeRedirect } from '@/lib/safe-redirect'

export const Route = createFileRoute('/sign-in')({
  validateSearch: authSearchSchema,
  beforeLoad: ({ context }) => {
    // Already signed in (in this tab's memory): nothing to do here.
    if (context.queryClient.getQueryData(queryKeys.me)) throw redirect({ to: '/' })
  },
  component: SignInPage,
})

function SignInPage() {
  const { redirect: target } = Route.useSearch()
  const router = useRouter()
  return (
    <AuthCard
      title="Sign in"
      subtitle="Welcome back."
      footer={
        <>
          New to Konstruct? {/* The page to return to survives a detour through sign-up. */}
          <Link to="/sign-up" search={target ? { redirect: target } : {}} className="font-medium text-brand-700 underline-offset-2 hover:underline">
            Create an account
          </Link>
        </>
      }
    >
      <SignInForm onSignedIn={() => void router.navigate({ href: safeRedirect(target), replace: true })} />
    </AuthCard>
  )
}
