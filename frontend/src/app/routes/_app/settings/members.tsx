import { createFileRoute, useRouter } from '@tanstack/react-router'
import { membersQueryOptions } from '@/features/members/api/get-members'
import { AddMemberDialog } from '@/features/members/components/add-member-dialog'
import { MembersTable } from '@/features/members/components/members-table'
import { hasRole } from '@/lib/roles'

export const Route = createFileRoute('/_app/settings/members')({
  loader: ({ context: { queryClient, tenantId } }) => queryClient.ensureInfiniteQueryData(membersQueryOptions(tenantId)).then(() => undefined),
  component: MembersPage,
})

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
