import * as Menu from '@radix-ui/react-dropdown-menu'
import { Check, ChevronsUpDown, Plus } from 'lucide-react'
import { useState } from 'react'
import { Dialog, DialogClose, DialogContent } from '@/components/ui/dialog'
import { buttonClass } from '@/components/ui/button'
import { roleLabel, type Role } from '@/lib/roles'
import type { Tenant } from '../api/get-tenant'
import { CreateTenantForm } from './create-tenant-form'

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

/** Shows the current workspace; lists the others and offers a new one. */
export function TenantSwitcher({ memberships, currentId, onSwitch }: TenantSwitcherProps) {
  const [creating, setCreating] = useState(false)
  const current = memberships.find((m) => m.tenant_id === currentId)
  return (
    <>
      <Menu.Root>
        <Menu.Trigger
          className="flex w-full items-center gap-3 rounded-md border border-zinc-200 bg-white px-3 py-2 text-left shadow-xs hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-brand-600"
          aria-label={`Workspace: ${current?.tenant_name ?? 'none'}. Switch workspace`}
        >
          <span className="flex size-7 shrink-0 items-center justify-center rounded bg-brand-600 text-xs font-semibold text-white" aria-hidden>
            {initials(current?.tenant_name ?? '?')}
          </span>
          <span className="min-w-0 flex-1">
            <span className="block truncate text-sm font-medium text-zinc-900">{current?.tenant_name}</span>
            {current && <span className="block text-xs text-zinc-500">{roleLabel(current.role)}</span>}
          </span>
          <ChevronsUpDown className="size-4 shrink-0 text-zinc-400" aria-hidden />
        </Menu.Trigger>
        <Menu.Portal>
          <Menu.Content
            align="start"
            sideOffset={4}
            className="z-50 w-[var(--radix-dropdown-menu-trigger-width)] min-w-56 rounded-md border border-zinc-200 bg-white p-1 shadow-lg"
          >
            <Menu.Label className="px-2 py-1.5 text-xs font-medium text-zinc-500">Workspaces</Menu.Label>
            <Menu.RadioGroup value={currentId} onValueChange={onSwitch}>
              {memberships.map((m) => (
                <Menu.RadioItem
                  key={m.tenant_id}
                  value={m.tenant_id}
                  className="relative flex cursor-default items-center rounded px-2 py-1.5 pr-8 text-sm text-zinc-800 outline-none data-[highlighted]:bg-zinc-100"
                >
                  <span className="truncate">{m.tenant_name}</span>
                  <Menu.ItemIndicator className="absolute right-2">
                    <Check className="size-4 text-brand-600" aria-hidden />
                  </Menu.ItemIndicator>
                </Menu.RadioItem>
              ))}
            </Menu.RadioGroup>
            <Menu.Separator className="my-1 h-px bg-zinc-200" />
            <Menu.Item
              onSelect={() => setCreating(true)}
              className="flex cursor-default items-center gap-2 rounded px-2 py-1.5 text-sm text-zinc-800 outline-none data-[highlighted]:bg-zinc-100"
            >
              <Plus className="size-4" aria-hidden /> New workspace
            </Menu.Item>
          </Menu.Content>
        </Menu.Portal>
      </Menu.Root>
      <Dialog open={creating} onOpenChange={setCreating}>
        <DialogContent title="New workspace" description="A workspace has its own agents, channels, members and billing.">
          <CreateTenantForm
            onCreated={(tenant: Tenant) => {
              setCreating(false)
              onSwitch(tenant.id)
            }}
            secondary={
              <DialogClose className={buttonClass('secondary')} type="button">
                Cancel
              </DialogClose>
            }
          />
        </DialogContent>
      </Dialog>
    </>
  )
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean)
  return ((parts[0]?.[0] ?? '?') + (parts[1]?.[0] ?? '')).toUpperCase()
}
