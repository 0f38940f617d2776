import { Ban } from 'lucide-react'

/** Why something this installation does not offer is unavailable, shown in place of a button that would fail. */
export function UnavailableNote({ reason }: { reason: string }) {
  return (
    <p className="flex items-start gap-2 rounded-md bg-zinc-100 px-3 py-2 text-sm text-zinc-700">
      <Ban className="mt-0.5 size-4 shrink-0 text-zinc-600" aria-hidden />
      <span>
        <span className="font-medium text-zinc-900">Unavailable. </span>
        {reason}
      </span>
    </p>
  )
}
