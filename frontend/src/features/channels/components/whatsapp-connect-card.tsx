import { ChevronDown, MessageCircle } from 'lucide-react'
import { lazy, Suspense, useId, useState } from 'react'
import { Button } from '@/components/ui/button'
import { UnavailableNote } from '@/components/ui/unavailable-note'
import { cn } from '@/lib/cn'
import { ListSkeleton } from '@/components/ui/skeleton'
import type { Connection } from '../api/get-connections'

// The form (and the form library) loads when the card is opened.
const WhatsAppConnectForm = lazy(() => import('./whatsapp-connect-form').then((m) => ({ default: m.WhatsAppConnectForm })))

/**
 * "Connect WhatsApp": a card that expands to the instructions and the
 * credentials form. Where the platform cannot receive WhatsApp (no Meta app
 * secret), it says so instead of offering a connection that would stay silent.
 */
export function WhatsAppConnectCard({
  tenantId,
  onConnected,
  unavailable,
}: {
  tenantId: string
  onConnected: (c: Connection) => void
  unavailable?: string | null
}) {
  const [open, setOpen] = useState(false)
  const panelId = useId()
  return (
    <section aria-labelledby={`${panelId}-title`} className="rounded-lg border border-zinc-200 bg-white">
      <div className="flex flex-col gap-3 p-4 sm:flex-row sm:items-center sm:p-5">
        <div className="flex size-10 shrink-0 items-center justify-center rounded-full bg-emerald-50 text-emerald-700">
          <MessageCircle className="size-5" aria-hidden />
        </div>
        <div className="min-w-0 flex-1">
          <h3 id={`${panelId}-title`} className="text-sm font-semibold text-zinc-900">
            WhatsApp
          </h3>
          <p className="text-sm text-zinc-600">Your customers message your WhatsApp Business number; the agent answers.</p>
        </div>
        {!unavailable && (
          <Button variant={open ? 'ghost' : 'secondary'} aria-expanded={open} aria-controls={panelId} onClick={() => setOpen(!open)}>
            Connect WhatsApp <ChevronDown className={cn('size-4 transition-transform', open && 'rotate-180')} aria-hidden />
          </Button>
        )}
      </div>
      {unavailable ? (
        <div className="px-4 pb-4 sm:px-5 sm:pb-5">
          <UnavailableNote reason={unavailable} />
        </div>
      ) : (
        <div id={panelId} hidden={!open} className="border-t border-zinc-100 p-4 sm:p-5">
          {open && (
            <Suspense fallback={<ListSkeleton rows={2} label="Loading the form" />}>
              <WhatsAppConnectForm tenantId={tenantId} onConnected={onConnected} />
            </Suspense>
          )}
        </div>
      )}
    </section>
  )
}
