import { buttonClass } from '@/components/ui/button'
import { Dialog, DialogClose, DialogContent } from '@/components/ui/dialog'
import type { Tenant } from '../api/get-tenant'
import { CreateTenantForm } from './create-tenant-form'

/** "New workspace" from the switcher; loaded on demand (default export for React.lazy). */
export default function NewTenantDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (tenantId: string) => void }) {
  return (
    <Dialog open onOpenChange={(open) => !open && onClose()}>
      <DialogContent title="New workspace" description="A workspace has its own agents, channels, members and billing.">
        <CreateTenantForm
          onCreated={(tenant: Tenant) => {
            onClose()
            onCreated(tenant.id)
          }}
          secondary={
            <DialogClose className={buttonClass('secondary')} type="button">
              Cancel
            </DialogClose>
          }
        />
      </DialogContent>
    </Dialog>
  )
}
