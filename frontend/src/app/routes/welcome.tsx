import { createFileRoute, redirect, useRouter } from '@tanstack/react-router'
import { requireSession } from '@/app/guard'
import { AuthCard } from '@/features/auth/components/auth-card'
import { CreateTenantForm } from '@/features/tenants/components/create-tenant-form'
import { storeTenant } from '@/lib/current-tenant'

/** For a signed-in operator who belongs to no workspace (left or was removed from all). */
export const Route = createFileRoute('/welcome')({
  beforeLoad: async ({ context, location }) => {
    const me = await requireSession(context, location)
    if (me.memberships.length > 0) throw redirect({ to: '/' })
    return { user: me.user }
  },
  component: WelcomePage,
})

function WelcomePage() {
  const { user } = Route.useRouteContext()
  const router = useRouter()
  return (
    <AuthCard
      title={`Welcome, ${user.name}`}
      subtitle="You’re not part of any workspace. Create one, or ask a colleague to add you."
      footer={`Signed in as ${user.email}`}
    >
      <CreateTenantForm
        onCreated={(tenant) => {
          storeTenant(tenant.id)
          void router.navigate({ to: '/onboarding', search: { step: 1 } })
        }}
      />
    </AuthCard>
  )
}
