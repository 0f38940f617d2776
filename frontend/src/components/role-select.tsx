import type { Ref } from 'react'
import { Select } from '@/components/ui/select'
import { roles, type Role } from '@/lib/roles'

interface RoleSelectProps {
  value: Role | undefined
  onValueChange: (role: Role) => void
  /** Which roles may be picked (e.g. no higher than the caller's own). */
  allowed?: (role: Role) => boolean
  disabled?: boolean
  id?: string
  ref?: Ref<HTMLSelectElement>
  'aria-label'?: string
  'aria-invalid'?: boolean
  'aria-describedby'?: string
}

export function RoleSelect({ allowed, ...props }: RoleSelectProps) {
  const options = allowed ? roles.filter((r) => allowed(r.value)) : roles
  return <Select options={options} placeholder="Choose a role" {...props} />
}
