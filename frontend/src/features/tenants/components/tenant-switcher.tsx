import { ChevronsUpDown, Plus } from 'lucide-react'
import { lazy, Suspense, useId, useState } from 'react'
import { Button } from '@/components/ui/button'
import { roleLabel, type Role } from '@/lib/roles'

// The form (and its form library) loads only when someone asks for a new workspace.
const NewTenantDialog = lazy(() => import('./new-tenant-dialog'))

interface TenantOption {
  tenant_id: string
  tenant_name: string
  role: Role
}

interface TenantSwitcherProps {
  memberships: readonly TenantOption[]
  currentId: string
  onSwitch: (tenantId: string) => void
}

/**
 * The current workspace as a labelled native select (switching is choosing
 * another), and a button for a new one.
 */
export function TenantSwitcher({ memberships, currentId, onSwitch }: TenantSwitcherProps) {
  const [creating, setCreating] = useState(false)
  const id = useId()
  const current = memberships.find((m) => m.tenant_id === currentId)
  return (
    <div>
      <label htmlFor={id} className="block text-xs font-medium text-zinc-600">
        Workspace
      </label>
      <div className="mt-1 flex items-center gap-2">
        <div className="relative min-w-0 flex-1">
          <select
            id={id}
            value={currentId}
            onChange={(e) => onSwitch(e.target.value)}
            className="h-9 w-full appearance-none truncate rounded-md border border-zinc-300 bg-white py-0 pr-9 pl-3 text-sm font-medium text-zinc-900 shadow-xs focus:border-brand-600 focus:outline-2 focus:outline-brand-600/30"
          >
            {memberships.map((m) => (
              <option key={m.tenant_id} value={m.tenant_id}>
                {m.tenant_name}
              </option>
            ))}
          </select>
          <ChevronsUpDown className="pointer-events-none absolute top-1/2 right-3 size-4 -translate-y-1/2 text-zinc-600" aria-hidden />
        </div>
        <Button variant="secondary" size="icon" aria-label="New workspace" title="New workspace" onClick={() => setCreating(true)}>
          <Plus className="size-4" aria-hidden />
        </Button>
      </div>
      {current && <p className="mt-1 text-xs text-zinc-600">Your role: {roleLabel(current.role)}</p>}
      {creating && (
        <Suspense fallback={null}>
          <NewTenantDialog onClose={() => setCreating(false)} onCreated={onSwitch} />
        </Suspense>
      )}
    </div>
  )
}
