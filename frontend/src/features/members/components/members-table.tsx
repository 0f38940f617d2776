import { useSuspenseInfiniteQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { toast } from '@/lib/toast'
import { RoleSelect } from '@/components/role-select'
import { Badge } from '@/components/ui/badge'
import { Button } from '@/components/ui/button'
import { CopyButton } from '@/components/ui/copy-button'
import { ConfirmDialog } from '@/components/ui/confirm-dialog'
import { InlineError } from '@/components/ui/inline-error'
import { LoadMore } from '@/components/ui/load-more'
import { Table, Td, Th } from '@/components/ui/table'
import { formatDate } from '@/lib/format'
import { hasRole, roleLabel, type Role } from '@/lib/roles'
import { membersQueryOptions, type Member } from '../api/get-members'
import { useRemoveMember } from '../api/remove-member'
import { useUpdateMemberRole } from '../api/update-member'

interface MembersTableProps {
  tenantId: string
  currentUserId: string
  callerRole: Role
  /** Called after the current user removed themselves from the workspace. */
  onLeft: () => void
}

export function MembersTable({ tenantId, currentUserId, callerRole, onLeft }: MembersTableProps) {
  const query = useSuspenseInfiniteQuery(membersQueryOptions(tenantId))
  const [removing, setRemoving] = useState<Member | null>(null)
  const updateRole = useUpdateMemberRole(tenantId, { onSuccess: () => toast.success('Role changed') })
  const remove = useRemoveMember(tenantId, {
    onSuccess: () => {
      const self = removing?.id === currentUserId
      toast.success(self ? 'You left the workspace' : `${removing?.email ?? 'The member'} was removed`)
      setRemoving(null)
      if (self) onLeft()
    },
  })
  const canManage = hasRole(callerRole, 'admin')
  // A workspace always keeps an owner: its only owner is not offered "Leave"
  // (the API would refuse it) but told what to do first.
  const owners = query.data.members.filter((m) => m.role === 'owner' && m.status !== 'invited').length

  const self = removing?.id === currentUserId
  return (
    <>
      <Table aria-label="Members">
        <thead>
          <tr>
            <Th>Person</Th>
            <Th>Role</Th>
            <Th>Since</Th>
            <Th>
              <span className="sr-only">Actions</span>
            </Th>
          </tr>
        </thead>
        <tbody>
          {query.data.members.map((m) => {
            const isSelf = m.id === currentUserId
            // Admins cannot touch owners; only owners can.
            const editable = canManage && hasRole(callerRole, m.role)
            return (
              <tr key={m.id}>
                <Td>
                  <div className="min-w-40">
                    <div className="font-medium text-zinc-900">
                      {m.name || m.email}
                      {isSelf && <span className="ml-1 text-zinc-600">(you)</span>}
                    </div>
                    {m.name && <div className="text-xs text-zinc-600">{m.email}</div>}
                  </div>
                </Td>
                <Td className="w-44">
                  {editable ? (
                    <RoleSelect
                      aria-label={`Role of ${m.email}`}
                      // The chosen role shows at once, not the old one until the list is refetched.
                      value={updateRole.isPending && updateRole.variables?.memberId === m.id ? updateRole.variables.role : m.role}
                      allowed={(r) => hasRole(callerRole, r)}
                      onValueChange={(role) => role !== m.role && updateRole.mutate({ memberId: m.id, role })}
                      disabled={updateRole.isPending}
                    />
                  ) : (
                    roleLabel(m.role)
                  )}
                </Td>
                <Td className="whitespace-nowrap">
                  {m.status === 'invited' ? <Badge tone="warning">Invited</Badge> : <time dateTime={m.created_at}>{formatDate(m.created_at)}</time>}
                </Td>
                <Td className="text-right">
                  <div className="flex justify-end gap-2">
                    {/* Without mail, admins pass an invitation's link on by hand. */}
                    {m.status === 'invited' && m.invite_url && !m.invite_emailed && <CopyButton value={m.invite_url} label="Copy invite link" />}
                    {isSelf && m.role === 'owner' && owners <= 1 ? (
                      <span className="text-xs text-zinc-600">Make someone else an owner to leave.</span>
                    ) : (
                      (editable || isSelf) && (
                        <Button variant="secondary" size="sm" onClick={() => setRemoving(m)}>
                          {isSelf ? 'Leave' : m.status === 'invited' ? 'Withdraw' : 'Remove'}
                          <span className="sr-only"> {m.email}</span>
                        </Button>
                      )
                    )}
                  </div>
                </Td>
              </tr>
            )
          })}
        </tbody>
      </Table>
      <InlineError error={updateRole.error} className="mt-3" />
      <LoadMore hasNextPage={query.hasNextPage} isFetchingNextPage={query.isFetchingNextPage} fetchNextPage={query.fetchNextPage} />
      <ConfirmDialog
        open={removing !== null}
        onOpenChange={(open) => !open && setRemoving(null)}
        title={self ? 'Leave this workspace?' : removing?.status === 'invited' ? `Withdraw the invitation for ${removing.email}?` : `Remove ${removing?.email ?? ''}?`}
        description={
          self
            ? 'You lose access at once. An admin can add you again.'
            : 'They lose access to this workspace at once. You can add them again later.'
        }
        confirmLabel={self ? 'Leave workspace' : removing?.status === 'invited' ? 'Withdraw invitation' : 'Remove member'}
        pending={remove.isPending}
        error={remove.error}
        onConfirm={() => removing && remove.mutate(removing.id)}
      />
    </>
  )
}

