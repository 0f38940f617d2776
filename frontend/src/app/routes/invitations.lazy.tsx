import { createLazyRoute, useRouter } from '@tanstack/react-router'
import { AuthCard } from '@/features/auth/components/auth-card'
import { AcceptInvitation } from '@/features/members/components/accept-invitation'
import { storeTenant } from '@/lib/current-tenant'

export const Route = createLazyRoute('/invitations/accept')({ component: AcceptInvitationPage })

function AcceptInvitationPage() {
  const { user } = Route.useRouteContext()
  const { token } = Route.useSearch()
  const router = useRouter()
  return (
    <AuthCard title="Join a workspace" subtitle="You were invited to a Konstruct workspace." footer={`Signed in as ${user.email}`}>
      <AcceptInvitation
        token={token}
        email={user.email}
        onJoined={(tenantId) => {
          storeTenant(tenantId)
          void router.navigate({ to: '/', replace: true })
        }}
      />
    </AuthCard>
  )
}
