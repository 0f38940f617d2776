import { createLazyRoute, useRouter } from '@tanstack/react-router'
import { AuthCard } from '@/features/auth/components/auth-card'
import { CreateTenantForm } from '@/features/tenants/components/create-tenant-form'
import { storeTenant } from '@/lib/current-tenant'

export const Route = createLazyRoute('/welcome')({ component: WelcomePage })

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
          void router.navigate({ to: '/' })
        }}
      />
    </AuthCard>
  )
}
