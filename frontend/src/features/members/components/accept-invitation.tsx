import { useState } from 'react'
import { problemMessage } from '@/api/problem'
import { FormAlert } from '@/features/auth/components/auth-card'
import { Button } from '@/components/ui/button'
import { useAcceptInvitation } from '../api/accept-invitation'

/**
 * The page an invitation link opens: the signed-in person joins the
 * workspace with one click. Nothing happens without that click, and only
 * the invited email can accept.
 */
export function AcceptInvitation({ token, email, onJoined }: { token: string; email: string; onJoined: (tenantId: string) => void }) {
  const [error, setError] = useState<string>()
  const accept = useAcceptInvitation({
    onSuccess: (membership) => onJoined(membership.tenant_id),
    onError: (e) => setError(problemMessage(e)),
  })
  if (!token) return <FormAlert message="This link has no invitation in it. Open the link from your invitation again." />
  return (
    <div className="space-y-4">
      <p className="text-sm text-zinc-700">
        You’re signed in as <span className="font-medium">{email}</span>. Accepting adds you to the workspace that invited you.
      </p>
      <FormAlert message={error} />
      <Button className="w-full" pending={accept.isPending} onClick={() => accept.mutate(token)}>
        Accept invitation
      </Button>
    </div>
  )
}
