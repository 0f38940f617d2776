import { useSuspenseInfiniteQuery } from '@tanstack/react-query'
import { KeyRound } from 'lucide-react'
import { useState } from 'react'
import { toast } from '@/lib/toast'
import { Badge } from '@/components/ui/badge'
import { Button } from '@/components/ui/button'
import { ConfirmDialog } from '@/components/ui/confirm-dialog'
import { EmptyState } from '@/components/ui/empty-state'
import { LoadMore } from '@/components/ui/load-more'
import { Table, Td, Th } from '@/components/ui/table'
import { formatDate, formatDateTime, formatRelative } from '@/lib/format'
import { roleLabel } from '@/lib/roles'
import { apiTokensQueryOptions, type APIToken } from '../api/get-api-tokens'
import { useRevokeAPIToken } from '../api/revoke-api-token'

function tokenState(t: APIToken, now: Date): 'revoked' | 'expired' | 'active' {
  if (t.revoked_at) return 'revoked'
  if (t.expires_at && new Date(t.expires_at) <= now) return 'expired'
  return 'active'
}

// A token acts for the member who made it and can do no more than their role allows now; showing who that is
// tells an admin which tokens go dark when someone is demoted or leaves.
function TokenCreatorCell({ creator }: { creator: APIToken['created_by'] }) {
  if (!creator) return <span className="text-zinc-500">Unknown</span>
  if (!creator.email) return <span className="text-zinc-500">{creator.name || 'A former member'} (left)</span>
  return (
    <span title={creator.email}>
      {creator.name || creator.email}
      {creator.name && <span className="sr-only"> ({creator.email})</span>}
    </span>
  )
}

export function APITokensTable({ tenantId }: { tenantId: string }) {
  const query = useSuspenseInfiniteQuery(apiTokensQueryOptions(tenantId))
  const [revoking, setRevoking] = useState<APIToken | null>(null)
  const revoke = useRevokeAPIToken(tenantId, {
    onSuccess: () => {
      toast.success(`${revoking?.name ?? 'The token'} was revoked`)
      setRevoking(null)
    },
  })

  const { tokens } = query.data
  if (tokens.length === 0) {
    return (
      <EmptyState icon={KeyRound} title="No API tokens">
        Tokens let your own systems use the Konstruct API with a role you choose. Each one can be revoked at any time.
      </EmptyState>
    )
  }
  const now = new Date()
  return (
    <>
      <Table aria-label="API tokens">
        <thead>
          <tr>
            <Th>Name</Th>
            <Th>Token</Th>
            <Th>Role</Th>
            <Th>Acts for</Th>
            <Th>Last used</Th>
            <Th>Expires</Th>
            <Th>
              <span className="sr-only">Actions</span>
            </Th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((t) => {
            const state = tokenState(t, now)
            return (
              <tr key={t.id} className={state === 'active' ? undefined : 'text-zinc-500'}>
                <Td className="font-medium text-zinc-900">
                  {t.name}
                  {state !== 'active' && (
                    <span className="ml-2">
                      <Badge tone={state === 'revoked' ? 'danger' : 'warning'}>{state === 'revoked' ? 'Revoked' : 'Expired'}</Badge>
                    </span>
                  )}
                </Td>
                <Td>
                  <code className="font-mono text-xs whitespace-nowrap">{t.prefix}…</code>
                </Td>
                <Td>{roleLabel(t.role)}</Td>
                <Td>
                  <TokenCreatorCell creator={t.created_by} />
                </Td>
                <Td className="whitespace-nowrap">
                  {t.last_used_at ? <time dateTime={t.last_used_at} title={formatDateTime(t.last_used_at)}>{formatRelative(t.last_used_at)}</time> : 'Never'}
                </Td>
                <Td className="whitespace-nowrap">{t.expires_at ? <time dateTime={t.expires_at}>{formatDate(t.expires_at)}</time> : 'Never'}</Td>
                <Td className="text-right">
                  {state !== 'revoked' && (
                    <Button variant="secondary" size="sm" onClick={() => setRevoking(t)}>
                      Revoke<span className="sr-only"> {t.name}</span>
                    </Button>
                  )}
                </Td>
              </tr>
            )
          })}
        </tbody>
      </Table>
      <LoadMore hasNextPage={query.hasNextPage} isFetchingNextPage={query.isFetchingNextPage} fetchNextPage={query.fetchNextPage} />
      <ConfirmDialog
        open={revoking !== null}
        onOpenChange={(open) => !open && setRevoking(null)}
        title={`Revoke ${revoking?.name ?? 'token'}?`}
        description="Anything using this token gets 401 from its next request on. This can’t be undone."
        confirmLabel="Revoke token"
        pending={revoke.isPending}
        error={revoke.error}
        onConfirm={() => revoking && revoke.mutate(revoking.id)}
      />
    </>
  )
}
