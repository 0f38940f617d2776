import { createFileRoute, useRouter } from '@tanstack/react-router'
import { requireSession } from '@/app/guard'
import { AuthCard } from '@/features/auth/components/auth-card'
import { AcceptInvitation } from '@/features/members/components/accept-invitation'
import { storeTenant } from '@/lib/current-tenant'
import { z } from '@/lib/zod-mini'

/** An invitation link: sign in first (and come back), then accept. */
export const Route = createFileRoute('/invitations/accept')({
  validateSearch: z.object({ token: z.catch(z.string().check(z.maxLength(200)), '') }),
  beforeLoad: async ({ context, location }) => {
    const me = await requireSession(context, location)
    return { user: me.user }
  },
  component: AcceptInvitationPage,
})

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
