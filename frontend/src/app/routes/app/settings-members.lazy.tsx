import { createLazyRoute, useRouter } from '@tanstack/react-router'
import { AddMemberDialog } from '@/features/members/components/add-member-dialog'
import { MembersTable } from '@/features/members/components/members-table'
import { hasRole } from '@/lib/roles'

export const Route = createLazyRoute('/_app/settings/members')({ component: MembersPage })

function MembersPage() {
  const { membership, tenantId, user } = Route.useRouteContext()
  const router = useRouter()
  return (
    <>
      <div className="mb-4 flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
        <p className="text-sm text-zinc-600">People who can sign in to this workspace, and invitations not yet accepted.</p>
        {hasRole(membership.role, 'admin') && <AddMemberDialog tenantId={tenantId} callerRole={membership.role} />}
      </div>
      <MembersTable
        tenantId={tenantId}
        currentUserId={user.id}
        callerRole={membership.role}
        onLeft={() => void router.navigate({ to: '/', search: {}, replace: true })}
      />
    </>
  )
}
