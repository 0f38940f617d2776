import { createFileRoute, Link, redirect, useRouter } from '@tanstack/react-router'
import { queryKeys } from '@/api/query-keys'
import { authSearchSchema } from '@/features/auth/auth-search'
import { AuthCard } from '@/features/auth/components/auth-card'
import { SignUpForm } from '@/features/auth/components/sign-up-form'
import { safeRedirect } from '@/lib/safe-redirect'

export const Route = createFileRoute('/sign-up')({
  validateSearch: authSearchSchema,
  beforeLoad: ({ context }) => {
    if (context.queryClient.getQueryData(queryKeys.me)) throw redirect({ to: '/' })
  },
  component: SignUpPage,
})

function SignUpPage() {
  const { redirect: target } = Route.useSearch()
  const router = useRouter()
  return (
    <AuthCard
      title="Create your account"
      subtitle="Set up an AI employee for your team in minutes."
      footer={
        <>
          Already have an account?{' '}
          <Link to="/sign-in" search={target ? { redirect: target } : {}} className="font-medium text-brand-700 underline-offset-2 hover:underline">
            Sign in
          </Link>
        </>
      }
    >
      {/* A new workspace starts in the wizard, unless a link brought them here for a page. */}
      <SignUpForm
        onSignedUp={() => {
          if (target) void router.navigate({ href: safeRedirect(target), replace: true })
          else void router.navigate({ to: '/onboarding', search: { step: 1 }, replace: true })
        }}
      />
    </AuthCard>
  )
}
