import { CopyButton } from '@/components/ui/copy-button'
import { formatDate } from '@/lib/format'

/** An invitation's link, to pass on when the platform sends no email. */
export function InviteLink({ url, expiresAt, email }: { url: string; expiresAt?: string | null; email: string }) {
  return (
    <div className="space-y-2">
      <label className="block text-sm font-medium text-zinc-900" htmlFor="invite-link">
        Invitation link for {email}
      </label>
      <div className="flex items-center gap-2">
        <input
          id="invite-link"
          readOnly
          value={url}
          onFocus={(e) => e.currentTarget.select()}
          className="min-w-0 flex-1 rounded-md border border-zinc-300 bg-zinc-50 px-2 py-1.5 font-mono text-xs text-zinc-800"
        />
        <CopyButton value={url} label="Copy link" />
      </div>
      <p className="text-xs text-zinc-600">
        They open it, sign in (or create an account) with this email, and accept.
        {expiresAt && <> It works until {formatDate(expiresAt)}.</>}
      </p>
    </div>
  )
}
