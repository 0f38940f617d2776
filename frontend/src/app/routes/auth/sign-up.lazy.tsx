import { createLazyRoute, Link, useRouter } from '@tanstack/react-router'
import { AuthCard } from '@/features/auth/components/auth-card'
import { SignUpForm } from '@/features/auth/components/sign-up-form'

export const Route = createLazyRoute('/sign-up')({ component: SignUpPage })

function SignUpPage() {
  const router = useRouter()
  return (
    <AuthCard
      title="Create your account"
      subtitle="Set up an AI employee for your team in minutes."
      footer={
        <>
          Already have an account?{' '}
          <Link to="/sign-in" className="font-medium text-brand-700 hover:underline">
            Sign in
          </Link>
        </>
      }
    >
      <SignUpForm onSignedUp={() => void router.navigate({ to: '/', replace: true })} />
    </AuthCard>
  )
}
